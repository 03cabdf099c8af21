import {
  arrayOf,
  boolean,
  integer,
  number,
  object,
  oneOfValues,
  type Schema,
  string,
  withMessage,
} from '../validation/json-schema';
import { compileBodySchema } from '../validation/validate-body';

const MAX_CONTENTS = 100_000;
const PART = { $ref: '#/$defs/part' };

/**
 * Fields of a part: a part is one of Gemini's data kinds, so a field it names holds that kind's value and never null
 * (`{"text": null}` is refused, unlike an optional parameter set to null).
 */
const PART_FIELDS: Record<string, Schema> = {
  text: string(),
  thought: boolean(),
  thoughtSignature: string(),
  inlineData: object({ required: { mimeType: string(), data: string() } }),
  fileData: object({ required: { fileUri: string() }, optional: { mimeType: string() } }),
  functionCall: object({ required: { name: string({ minLength: 1 }) }, optional: { id: string(), args: object() } }),
  functionResponse: object({ required: { name: string({ minLength: 1 }) }, optional: { id: string(), response: object() } }),
  executableCode: object(),
  codeExecutionResult: object(),
  videoMetadata: object(),
};

/** A part: an object with at least one field; the kinds the gateway reads to price the request are checked in depth. */
const part: Schema = withMessage(
  { type: 'object', properties: PART_FIELDS, minProperties: 1 },
  'must be a part object with text, inlineData, fileData, functionCall or functionResponse',
);

const parts = arrayOf(PART, { minItems: 1 });

/** A turn of the conversation: who speaks (`user` or `model`; absent for a single turn) and its parts. */
const content = object({ required: { parts }, optional: { role: oneOfValues(['user', 'model']) } });

/** The system instruction: parts; its role, if any, is ignored by Gemini. */
const systemInstruction = object({ required: { parts }, optional: { role: string() } });

const thinkingConfig = object({
  optional: {
    includeThoughts: boolean(),
    // -1 asks for dynamic thinking, 0 turns it off (where the model allows).
    thinkingBudget: integer({ minimum: -1 }),
    thinkingLevel: string(),
  },
});

const generationConfig = object({
  optional: {
    // At least 1: the gateway sends a limit upstream in any case (the hold's), and 0 would read as "none".
    maxOutputTokens: integer({ minimum: 1 }),
    temperature: number({ minimum: 0, maximum: 2 }),
    topP: number({ minimum: 0, maximum: 1 }),
    topK: number({ minimum: 0 }),
    candidateCount: integer({ minimum: 1 }),
    stopSequences: arrayOf(string()),
    presencePenalty: number(),
    frequencyPenalty: number(),
    seed: integer(),
    responseMimeType: string(),
    responseSchema: object(),
    responseJsonSchema: { type: ['object', 'boolean'] },
    responseLogprobs: boolean(),
    logprobs: integer({ minimum: 0 }),
    responseModalities: arrayOf(string()),
    mediaResolution: string(),
    speechConfig: object(),
    thinkingConfig,
  },
});

const functionDeclaration = object({
  required: { name: string({ minLength: 1 }) },
  optional: { description: string(), parameters: object(), parametersJsonSchema: { type: ['object', 'boolean'] }, response: object() },
});

const tool = object({
  optional: {
    functionDeclarations: arrayOf(functionDeclaration),
    googleSearch: object(),
    googleSearchRetrieval: object(),
    codeExecution: object(),
    urlContext: object(),
  },
});

const toolConfig = object({
  optional: {
    functionCallingConfig: object({
      optional: { mode: oneOfValues(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']), allowedFunctionNames: arrayOf(string()) },
    }),
  },
});

const safetySetting = object({ required: { category: string(), threshold: string() }, optional: { method: string() } });

/** What a GenerateContentRequest holds besides `contents`. */
const requestFields = {
  systemInstruction,
  generationConfig,
  tools: arrayOf(tool),
  toolConfig,
  safetySettings: arrayOf(safetySetting),
  cachedContent: string(),
};

const contents = arrayOf(content, { minItems: 1, maxItems: MAX_CONTENTS });

/**
 * POST /v1beta/models/{model}:generateContent and :streamGenerateContent, as Google documents the body: contents,
 * parts and the fields the gateway reads (limits, tools, thinking) are checked in depth, every other field goes to the
 * provider as sent. The model is the path's.
 */
export const GEMINI_GENERATE_CONTENT_REQUEST = compileBodySchema('generateContent', {
  ...object({ required: { contents }, optional: requestFields }),
  $defs: { part },
});

/**
 * POST /v1beta/models/{model}:countTokens: `contents`, or a whole `generateContentRequest` (whose system instruction
 * and tools then count too).
 */
export const GEMINI_COUNT_TOKENS_REQUEST = compileBodySchema('countTokens', {
  type: 'object',
  properties: {
    contents,
    generateContentRequest: object({ required: { contents }, optional: { ...requestFields, model: string() } }),
  },
  anyOf: [{ required: ['contents'] }, { required: ['generateContentRequest'] }],
  $defs: { part },
});
