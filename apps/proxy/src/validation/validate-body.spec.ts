import { ANTHROPIC_COUNT_TOKENS_REQUEST, ANTHROPIC_MESSAGES_REQUEST } from '../anthropic/messages.schema';
import { ANTHROPIC_MODELS_QUERY } from '../anthropic/models-query.schema';
import { CHAT_COMPLETION_REQUEST } from '../openai/chat-completion.schema';
import { EMBEDDING_REQUEST } from '../openai/embedding.schema';
import { bodyProblem, validateBody } from './validate-body';

const chat = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] };
const message = { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const chatProblem = (body: unknown) => bodyProblem(CHAT_COMPLETION_REQUEST, body, 'openai');
const messagesProblem = (body: unknown) => bodyProblem(ANTHROPIC_MESSAGES_REQUEST, body, 'anthropic');
const withChatMessages = (...messages: unknown[]) => ({ ...chat, messages });
const withAnthropicContent = (content: unknown) => ({ ...message, messages: [{ role: 'user', content }] });

describe(validateBody.name, () => {
  it('returns the body itself when it is valid', () => {
    expect(validateBody(CHAT_COMPLETION_REQUEST, chat)).toBe(chat);
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
      fallbacks: 'default',
      stream: true,
    };
    expect(validateBody(ANTHROPIC_MESSAGES_REQUEST, full, 'anthropic')).toBe(full);
  });

  it('refuses with a 400 naming the first problem', () => {
    expect(() => validateBody(CHAT_COMPLETION_REQUEST, { ...chat, temperature: 3 })).toThrow(
      expect.objectContaining({ status: 400, message: "Invalid value for 'temperature': must be at most 2" }),
    );
  });

  it('words problems as OpenAI does on the OpenAI protocol', () => {
    expect(chatProblem({ model: 'm' })).toBe("Missing required parameter: 'messages'.");
    expect(chatProblem({ ...chat, n: 0 })).toBe("Invalid value for 'n': must be at least 1");
    expect(chatProblem({ ...chat, stop: ['a', 'b', 'c', 'd', 'e'] })).toBe("Invalid value for 'stop': must hold at most 4 items");
    expect(chatProblem({ ...chat, model: '' })).toBe("Invalid value for 'model': must not be empty");
    expect(chatProblem(withChatMessages({ role: 'wizard', content: 'x' }))).toBe(
      "Invalid value for 'messages.0.role': must be one of 'system', 'developer', 'user', 'assistant', 'tool' or 'function'",
    );
  });

  it('words problems as Anthropic does on the Anthropic protocol, naming nested fields', () => {
    const { max_tokens: _omitted, ...withoutMax } = message;
    expect(messagesProblem(withoutMax)).toBe('max_tokens: Field required');
    expect(messagesProblem({ ...message, messages: [{ role: 'system', content: 'x' }] })).toBe(
      "messages.0.role: must be one of 'user' or 'assistant'",
    );
    expect(messagesProblem({ ...message, temperature: 'warm' })).toBe('temperature: must be a number');
  });

  it('passes fields it does not know on to the provider, at every level (the providers add parameters)', () => {
    const echoedReply = {
      role: 'assistant',
      content: 'Paris.',
      refusal: null,
      annotations: [{ type: 'url_citation', url_citation: { url: 'https://example.com', title: 'x', start_index: 0, end_index: 1 } }],
    };
    const bodies = [
      { ...chat, prompt_cache_retention: '24h', frobnicate: { any: ['thing'] } },
      withChatMessages({ role: 'user', content: 'hi' }, echoedReply, { role: 'user', content: 'and?' }),
      withChatMessages({ role: 'user', content: [{ type: 'text', text: 'hi', future_field: 1 }] }),
      { ...chat, toString: 'x', hasOwnProperty: 'y', valueOf: 3 },
      { ...chat, stream_options: { include_usage: true, future_option: 'x' } },
    ];
    for (const body of bodies) expect(chatProblem(body)).toBeNull();
    expect(messagesProblem({ ...message, future_parameter: { x: 1 }, messages: [{ role: 'user', content: 'hi', extra: 1 }] })).toBeNull();
    expect(bodyProblem(ANTHROPIC_COUNT_TOKENS_REQUEST, { ...message, stream: false, temperature: 1 }, 'anthropic')).toBeNull();
    expect(bodyProblem(EMBEDDING_REQUEST, { model: 'm', input: 'x', future: true }, 'openai')).toBeNull();
  });

  it('takes null as "not set" for optional parameters, as the providers do', () => {
    expect(chatProblem({ ...chat, temperature: null, max_tokens: null, stop: null, tools: null, stream_options: null })).toBeNull();
    expect(messagesProblem({ ...message, metadata: null, service_tier: null })).toBeNull();
    expect(messagesProblem({ ...message, max_tokens: null })).toBe('max_tokens: must be an integer');
  });

  it('checks every level of an OpenAI conversation the gateway reads', () => {
    const refused: [unknown, string][] = [
      [withChatMessages(5), "Invalid value for 'messages.0': must be an object"],
      [withChatMessages({ role: 'user', content: 'a' }, 'b'), "Invalid value for 'messages.1': must be an object"],
      [withChatMessages({ role: 'user' }), "Missing required parameter: 'messages.0.content'."],
      [withChatMessages({ role: 'user', content: {} }), "Invalid value for 'messages.0.content': must be a string or an array"],
      [withChatMessages({ role: 'user', content: [5] }), "Invalid value for 'messages.0.content.0': must be an object"],
      [withChatMessages({ role: 'user', content: [{ text: 'x' }] }), "Missing required parameter: 'messages.0.content.0.type'."],
      [withChatMessages({ role: 'user', content: [{ type: 5 }] }), "Invalid value for 'messages.0.content.0.type': must be a string"],
      [withChatMessages({ role: 'user', content: [{ type: 'text', text: 5 }] }), "Invalid value for 'messages.0.content.0.text': must be a string"],
      [withChatMessages({ role: 'user', content: [{ type: 'text' }] }), "Missing required parameter: 'messages.0.content.0.text'."],
      [withChatMessages({ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }), "Invalid value for 'messages.0.content.0.image_url': must be an object"],
      [withChatMessages({ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 5 } }] }), "Invalid value for 'messages.0.content.0.input_audio.data': must be a string"],
      [withChatMessages({ role: 'user', content: [{ type: 'file', file: { file_data: [] } }] }), "Invalid value for 'messages.0.content.0.file.file_data': must be a string"],
      [withChatMessages({ role: 'assistant', tool_calls: [5] }), "Invalid value for 'messages.0.tool_calls.0': must be an object"],
      [withChatMessages({ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }), "Invalid value for 'messages.0.tool_calls.0.function.arguments': must be a string"],
      [withChatMessages({ role: 'assistant', tool_calls: 'call' }), "Invalid value for 'messages.0.tool_calls': must be an array"],
      [{ ...chat, tools: [5] }, "Invalid value for 'tools.0': must be an object"],
      [{ ...chat, tools: [{ type: 'function', function: { name: 5 } }] }, "Invalid value for 'tools.0.function.name': must be a string"],
      [{ ...chat, functions: ['f'] }, "Invalid value for 'functions.0': must be an object"],
      [{ ...chat, prediction: { type: 'content', content: [7] } }, "Invalid value for 'prediction.content.0': must be an object"],
      [{ ...chat, modalities: [5] }, "Invalid value for 'modalities.0': must be a string"],
    ];
    for (const [body, problem] of refused) expect(chatProblem(body)).toBe(problem);
  });

  it('checks every level of an Anthropic conversation the gateway reads', () => {
    const refused: [unknown, string][] = [
      [{ ...message, messages: [5] }, 'messages.0: must be an object'],
      [withAnthropicContent(null), 'messages.0.content: must be a string or a list of content blocks'],
      [withAnthropicContent([5]), 'messages.0.content.0: must be an object'],
      [withAnthropicContent([{ type: 7 }]), 'messages.0.content.0.type: must be a string'],
      [withAnthropicContent([{ type: 'text', text: ['x'] }]), 'messages.0.content.0.text: must be a string'],
      [withAnthropicContent([{ type: 'tool_use', id: 't', name: 'f', input: 'x' }]), 'messages.0.content.0.input: must be an object'],
      [withAnthropicContent([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 1 }] }]), 'messages.0.content.0.content.0.text: must be a string'],
      [withAnthropicContent([{ type: 'document', source: { type: 'content', content: [null] } }]), 'messages.0.content.0.source.content.0: must be an object'],
      [withAnthropicContent([{ type: 'image', source: 'x' }]), 'messages.0.content.0.source: must be an object'],
      [{ ...message, system: [{ type: 'text', text: 5 }] }, 'system.0.text: must be a string'],
      [{ ...message, system: ['be brief'] }, 'system.0: must be an object'],
      [{ ...message, tools: [5] }, 'tools.0: must be an object'],
      [{ ...message, mcp_servers: ['x'] }, 'mcp_servers.0: must be an object'],
      [{ ...message, tool_choice: { name: 'f' } }, 'tool_choice.type: Field required'],
      [{ ...message, fallbacks: 'never' }, "fallbacks: must be a list or 'default'"],
    ];
    for (const [body, problem] of refused) expect(messagesProblem(body)).toBe(problem);
  });

  it('accepts every documented embeddings input form and nothing else', () => {
    for (const input of ['a', ['a', 'b'], [1, 2, 3], [[1, 2], [3]]]) {
      expect(bodyProblem(EMBEDDING_REQUEST, { model: 'm', input }, 'openai')).toBeNull();
    }
    for (const input of ['', [], [''], [1.5], [-1], [[]], [['a']], [{}], null, 5, Array(2_049).fill('a')]) {
      expect(bodyProblem(EMBEDDING_REQUEST, { model: 'm', input }, 'openai')).toMatch(/^Invalid value for 'input(\.\d+)*'/);
    }
  });

  it('checks the Anthropic models query', () => {
    expect(bodyProblem(ANTHROPIC_MODELS_QUERY, { limit: '20', after_id: 'x', beta: 'true' }, 'anthropic')).toBeNull();
    expect(bodyProblem(ANTHROPIC_MODELS_QUERY, { limit: '0' }, 'anthropic')).toBe('limit: must be an integer from 1 to 1000');
    expect(bodyProblem(ANTHROPIC_MODELS_QUERY, { limit: ['1', '2'] }, 'anthropic')).toBe('limit: must be an integer from 1 to 1000');
  });

  it('refuses anything but a JSON object', () => {
    for (const body of [null, undefined, 'text', 5, [chat]]) {
      expect(chatProblem(body)).toBe('Request body must be a JSON object');
    }
  });
});
