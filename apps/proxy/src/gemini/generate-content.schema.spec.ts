import { bodyProblem } from '../validation/validate-body';
import { GEMINI_COUNT_TOKENS_REQUEST, GEMINI_GENERATE_CONTENT_REQUEST } from './generate-content.schema';

const problem = (body: unknown) => bodyProblem(GEMINI_GENERATE_CONTENT_REQUEST, body, 'gemini');
const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];

describe('GEMINI_GENERATE_CONTENT_REQUEST', () => {
  it('takes what @google/genai sends: turns, function calls and responses, inline data, config, tools, unknown fields', () => {
    expect(
      problem({
        contents: [
          { role: 'user', parts: [{ text: 'weather?' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] },
          { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'sig' }] },
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { celsius: 21 } } }] },
          { parts: [{ fileData: { fileUri: 'https://example.com/a.pdf', mimeType: 'application/pdf' } }] },
        ],
        systemInstruction: { role: 'user', parts: [{ text: 'be brief' }] },
        generationConfig: {
          maxOutputTokens: 100,
          temperature: 0.5,
          topP: 0.9,
          topK: 40,
          stopSequences: ['END'],
          responseMimeType: 'application/json',
          responseSchema: { type: 'OBJECT' },
          thinkingConfig: { thinkingBudget: -1, includeThoughts: true },
          someFutureOption: 1,
        },
        tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object' } }] }, { googleSearch: {} }],
        toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
        labels: { team: 'x' },
      }),
    ).toBeNull();
  });

  it('refuses a missing or empty contents, turns of unknown roles, and parts that are not parts, naming the field', () => {
    expect(problem({})).toBe("Missing required parameter: 'contents'.");
    expect(problem({ contents: [] })).toBe("Invalid value for 'contents': must not be empty");
    expect(problem({ contents: [{ role: 'system', parts: [{ text: 'x' }] }] })).toBe(
      "Invalid value for 'contents.0.role': must be one of 'user' or 'model'",
    );
    expect(problem({ contents: [{ parts: [] }] })).toBe("Invalid value for 'contents.0.parts': must not be empty");
    expect(problem({ contents: [{ parts: [5] }] })).toMatch(/^Invalid value for 'contents.0.parts.0': must be a part object/);
    expect(problem({ contents: [{ parts: [{}] }] })).toMatch(/^Invalid value for 'contents.0.parts.0': must be a part object/);
    expect(problem({ contents: [{ parts: [{ text: null }] }] })).toBe("Invalid value for 'contents.0.parts.0.text': must be a string");
    expect(problem({ contents: [{ parts: [{ text: 5 }] }] })).toBe("Invalid value for 'contents.0.parts.0.text': must be a string");
    expect(problem({ contents: [{ role: 'model', parts: [{ functionCall: { args: {} } }] }] })).toBe(
      "Missing required parameter: 'contents.0.parts.0.functionCall.name'.",
    );
  });

  it('refuses limits the gateway would misread, and wrong types in the config, tools and system instruction', () => {
    expect(problem({ contents, generationConfig: { maxOutputTokens: 0 } })).toBe(
      "Invalid value for 'generationConfig.maxOutputTokens': must be at least 1",
    );
    expect(problem({ contents, generationConfig: { thinkingConfig: { thinkingBudget: 'x' } } })).toBe(
      "Invalid value for 'generationConfig.thinkingConfig.thinkingBudget': must be an integer",
    );
    expect(problem({ contents, systemInstruction: 'be brief' })).toBe("Invalid value for 'systemInstruction': must be an object");
    expect(problem({ contents, tools: [{ functionDeclarations: [{ description: 'x' }] }] })).toBe(
      "Missing required parameter: 'tools.0.functionDeclarations.0.name'.",
    );
    expect(problem({ contents, toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } })).toMatch(
      /^Invalid value for 'toolConfig.functionCallingConfig.mode': must be one of/,
    );
  });
});

describe('GEMINI_COUNT_TOKENS_REQUEST', () => {
  const count = (body: unknown) => bodyProblem(GEMINI_COUNT_TOKENS_REQUEST, body, 'gemini');

  it('takes contents, or a whole generateContentRequest, and refuses neither', () => {
    expect(count({ contents })).toBeNull();
    expect(count({ generateContentRequest: { model: 'models/x', contents, systemInstruction: { parts: [{ text: 's' }] } } })).toBeNull();
    expect(count({})).toBe("Missing required parameter: 'contents'.");
    expect(count({ contents: null })).not.toBeNull();
    expect(count({ generateContentRequest: { contents: [{ parts: [{ text: 5 }] }] } })).toBe(
      "Invalid value for 'generateContentRequest.contents.0.parts.0.text': must be a string",
    );
  });
});
