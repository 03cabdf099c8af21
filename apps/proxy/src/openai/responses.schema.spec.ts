import { bodyProblem } from '../validation/validate-body';
import { RESPONSES_REQUEST } from './responses.schema';

const base = { model: 'gpt-4.1-mini', input: 'hello' };
const problem = (body: unknown) => bodyProblem(RESPONSES_REQUEST, body, 'openai');
const withInput = (...input: unknown[]) => problem({ ...base, input });

describe('RESPONSES_REQUEST', () => {
  it('takes what the openai SDK and the Vercel AI SDK send: items, tools, structured output, reasoning, unknown fields', () => {
    const full = {
      model: 'gpt-4.1-mini',
      instructions: 'be brief',
      input: [
        { role: 'developer', content: 'answer in French' },
        { role: 'user', content: [{ type: 'input_text', text: 'weather?' }, { type: 'input_image', image_url: 'data:image/png;base64,AA==', detail: 'auto' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'let me look', annotations: [] }], id: 'msg_1', status: 'completed' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }], encrypted_content: 'gAAAA' },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'rain' }] },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', future_field: { any: 1 } },
      ],
      tools: [
        { type: 'function', name: 'get_weather', description: null, parameters: { type: 'object', properties: {} }, strict: true },
        { type: 'web_search' },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      reasoning: { effort: 'low', summary: 'auto' },
      max_output_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      store: true,
      metadata: { user: 'u1' },
      include: ['reasoning.encrypted_content'],
      previous_response_id: null,
      a_parameter_added_later: { x: [1] },
    };
    expect(problem(full)).toBeNull();
    expect(problem({ ...base, tool_choice: 'required', text: { format: { type: 'text' } } })).toBeNull();
  });

  it('requires a model and an input, a string or a list of items', () => {
    expect(problem({ model: 'm' })).toBe("Missing required parameter: 'input'.");
    expect(problem({ input: 'x' })).toBe("Missing required parameter: 'model'.");
    expect(problem({ ...base, input: 5 })).toBe("Invalid value for 'input': must be a string or an array");
    expect(problem({ ...base, input: null })).toBe("Invalid value for 'input': must be a string or an array");
  });

  it('refuses items and parts of the wrong shape at every level, naming the field', () => {
    expect(withInput(5)).toBe("Invalid value for 'input.0': must be an object");
    expect(withInput({})).toBe("Missing required parameter: 'input.0.role'.");
    expect(withInput({ role: 'wizard', content: 'x' })).toBe(
      "Invalid value for 'input.0.role': must be one of 'user', 'assistant', 'system' or 'developer'",
    );
    expect(withInput({ role: 'user' })).toBe("Missing required parameter: 'input.0.content'.");
    expect(withInput({ role: 'user', content: null })).toBe("Invalid value for 'input.0.content': must be a string or an array");
    expect(withInput({ role: 'user', content: [null] })).toBe("Invalid value for 'input.0.content.0': must be an object");
    expect(withInput({ role: 'user', content: [{ type: 'input_text', text: 5 }] })).toBe(
      "Invalid value for 'input.0.content.0.text': must be a string",
    );
    expect(withInput({ type: null, role: 'user', content: 'x' })).toBe("Invalid value for 'input.0.type': must be a string");
    expect(withInput({ type: 'function_call', call_id: 'c', name: 'f', arguments: {} })).toBe(
      "Invalid value for 'input.0.arguments': must be a string",
    );
    expect(withInput({ type: 'function_call_output', output: 'x' })).toBe("Missing required parameter: 'input.0.call_id'.");
    expect(withInput({ type: 'function_call_output', call_id: 'c', output: [5] })).toBe(
      "Invalid value for 'input.0.output.0': must be an object",
    );
    expect(withInput({ type: 'reasoning', summary: [{ type: 'summary_text', text: 1 }] })).toBe(
      "Invalid value for 'input.0.summary.0.text': must be a string",
    );
  });

  it('checks tools, structured output, reasoning and the sampling parameters', () => {
    expect(problem({ ...base, tools: [{ type: 'function' }] })).toBe("Missing required parameter: 'tools.0.name'.");
    expect(problem({ ...base, tools: [{ type: 'function', name: 'f', parameters: 'x' }] })).toBe(
      "Invalid value for 'tools.0.parameters': must be an object",
    );
    expect(problem({ ...base, text: { format: { type: 'json_schema', schema: {} } } })).toBe(
      "Missing required parameter: 'text.format.name'.",
    );
    expect(problem({ ...base, reasoning: { effort: 5 } })).toBe("Invalid value for 'reasoning.effort': must be a string");
    expect(problem({ ...base, max_output_tokens: 0 })).toBe("Invalid value for 'max_output_tokens': must be at least 1");
    expect(problem({ ...base, temperature: 2.5 })).toBe("Invalid value for 'temperature': must be at most 2");
    expect(problem({ ...base, metadata: { n: 1 } })).toBe("Invalid value for 'metadata.n': must be a string");
  });

  it('refuses, with the reason, what would need state the gateway does not keep', () => {
    expect(problem({ ...base, previous_response_id: 'resp_1' })).toBe(
      "Invalid value for 'previous_response_id': not supported (the gateway is stateless and stores no responses or " +
        "conversations: send the earlier turns in 'input')",
    );
    expect(problem({ ...base, conversation: 'conv_1' })).toMatch(/^Invalid value for 'conversation': not supported/);
    expect(problem({ ...base, prompt: { id: 'pmpt_1' } })).toMatch(/^Invalid value for 'prompt': not supported/);
    expect(withInput({ type: 'item_reference', id: 'msg_1' })).toMatch(
      /^Invalid value for 'input.0': items of type 'item_reference' are not supported/,
    );
  });
});
