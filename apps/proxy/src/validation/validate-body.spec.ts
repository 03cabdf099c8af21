import 'reflect-metadata';
import { AnthropicMessagesRequestDto } from '../anthropic/messages.dto';
import { ChatCompletionRequestDto } from '../openai/chat-completion.dto';
import { EmbeddingRequestDto } from '../openai/embedding.dto';
import { validateBody } from './validate-body';

const chat = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] };
const message = { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const problem = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { status: (error as { status: number }).status, message: (error as Error).message };
  }
  return null;
};

describe(validateBody.name, () => {
  it('returns the body itself when it is valid', () => {
    expect(validateBody(ChatCompletionRequestDto, chat)).toBe(chat);
    const full = {
      ...message,
      system: [{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } }],
      stop_sequences: ['\n\n'],
      temperature: 0.5,
      top_k: 3,
      top_p: 0.9,
      metadata: { user_id: 'u1' },
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      tool_choice: { type: 'auto' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
      service_tier: 'auto',
      container: 'container_1',
      stream: true,
    };
    expect(validateBody(AnthropicMessagesRequestDto, full, 'anthropic')).toBe(full);
  });

  it('words problems as OpenAI does on the OpenAI protocol', () => {
    expect(problem(() => validateBody(ChatCompletionRequestDto, { ...chat, frobnicate: 1 }))).toEqual({
      status: 400,
      message: 'Unrecognized request argument supplied: frobnicate',
    });
    expect(problem(() => validateBody(ChatCompletionRequestDto, { model: 'm' }))?.message).toBe(
      "Missing required parameter: 'messages'.",
    );
    expect(problem(() => validateBody(ChatCompletionRequestDto, { ...chat, temperature: 3 }))?.message).toBe(
      "Invalid value for 'temperature': must not be greater than 2",
    );
  });

  it('words problems as Anthropic does on the Anthropic protocol, naming nested fields', () => {
    expect(problem(() => validateBody(AnthropicMessagesRequestDto, { ...message, n: 2 }, 'anthropic'))?.message).toBe(
      'n: Extra inputs are not permitted',
    );
    const { max_tokens: _omitted, ...withoutMax } = message;
    expect(problem(() => validateBody(AnthropicMessagesRequestDto, withoutMax, 'anthropic'))?.message).toBe(
      'max_tokens: Field required',
    );
    const badRole = { ...message, messages: [{ role: 'system', content: 'x' }] };
    expect(problem(() => validateBody(AnthropicMessagesRequestDto, badRole, 'anthropic'))?.message).toMatch(/^messages\.0\.role: /);
  });

  it("refuses fields named like Object.prototype's methods, which never reach the DTO", () => {
    for (const field of ['toString', 'hasOwnProperty', 'valueOf', 'constructor']) {
      expect(problem(() => validateBody(ChatCompletionRequestDto, { ...chat, [field]: 'x' }))?.message).toBe(
        `Unrecognized request argument supplied: ${field}`,
      );
    }
    const nested = { ...message, messages: [{ role: 'user', content: 'hi', toString: 'x' }] };
    expect(problem(() => validateBody(AnthropicMessagesRequestDto, nested, 'anthropic'))?.message).toBe(
      'messages.0.toString: Extra inputs are not permitted',
    );
  });

  it('accepts every documented embeddings input form and nothing else', () => {
    for (const input of ['a', ['a', 'b'], [1, 2, 3], [[1, 2], [3]]]) {
      expect(() => validateBody(EmbeddingRequestDto, { model: 'm', input })).not.toThrow();
    }
    for (const input of ['', [], [''], [1.5], [[]], [['a']], [{}], null, 5]) {
      expect(problem(() => validateBody(EmbeddingRequestDto, { model: 'm', input }))?.status).toBe(400);
    }
  });

  it('refuses anything but a JSON object', () => {
    for (const body of [null, undefined, 'text', 5, [chat]]) {
      expect(problem(() => validateBody(ChatCompletionRequestDto, body))).toEqual({
        status: 400,
        message: 'Request body must be a JSON object',
      });
    }
  });
});
