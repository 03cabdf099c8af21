import fc from 'fast-check';
import {
  AssistantPart,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  OutputPart,
  ProviderProtocol,
  ToolResultPart,
  UserPart,
} from '.';

/**
 * decode(encode(x)) = x for the internal shape, on each protocol that is both a client and a provider protocol:
 * whatever the protocol can carry comes back unchanged. Each generator draws only what its protocol carries (an
 * Anthropic request cannot hold a seed, a Gemini one has no call ids), and each comparison names the one thing the
 * protocol changes by design (Anthropic always sets max_tokens, Gemini gives results the name of their call).
 */
const MODEL: Record<ProviderProtocol, string> = { 'openai-chat': 'gpt-4.1', anthropic: 'claude-sonnet-4-6', gemini: 'gemini-2.5-flash' };
const MODEL_MAX = 32_000;

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,12}$/);
const name = fc.stringMatching(/^[a-z][a-z_]{0,10}$/);
const id = fc.stringMatching(/^call_[A-Za-z0-9]{1,20}$/);
const image = fc.record({
  type: fc.constant('image' as const),
  source: fc.record({ kind: fc.constant('base64' as const), mediaType: fc.constantFrom('image/png', 'image/jpeg'), data: fc.base64String({ minLength: 4, maxLength: 16 }) }),
});
const text = word.map((t) => ({ type: 'text' as const, text: t }));
const args = fc.dictionary(name, fc.oneof(fc.integer(), word, fc.boolean()), { maxKeys: 3 }).map((o) => JSON.stringify(o));
const unit = fc.integer({ min: 0, max: 100 }).map((n) => n / 100);

interface Options {
  protocol: ProviderProtocol;
}

/** A conversation: user turns, assistant turns (text and/or calls), a tool turn answering every call. */
function conversation({ protocol }: Options): fc.Arbitrary<ChatMessage[]> {
  const userTurn = fc.array(fc.oneof(text, image), { minLength: 1, maxLength: 3 }).map((content): ChatMessage => ({ role: 'user', content: content as UserPart[] }));
  const calls = fc.uniqueArray(fc.record({ id, name, arguments: args }), { maxLength: 2, selector: (c) => c.id });
  const exchange = fc.tuple(fc.option(word, { nil: undefined }), calls, word, fc.boolean()).map(([reply, made, result, failed]) => {
    const content: AssistantPart[] = [];
    if (protocol === 'anthropic' && failed) content.push({ type: 'reasoning', text: result, signature: `sig-${result}` });
    if (reply !== undefined || made.length === 0) content.push({ type: 'text', text: reply ?? 'ok' });
    for (const call of made) content.push({ type: 'tool_call', ...call });
    const turns: ChatMessage[] = [{ role: 'assistant', content }];
    if (made.length > 0) {
      turns.push({
        role: 'tool',
        content: made.map(
          (call): ToolResultPart => ({
            type: 'tool_result',
            toolCallId: call.id,
            content: [{ type: 'text', text: result }],
            // OpenAI has no error flag (the text says it).
            isError: protocol !== 'openai-chat' && failed,
          }),
        ),
      });
    }
    return turns;
  });
  return fc
    .tuple(userTurn, fc.array(fc.tuple(exchange, userTurn), { maxLength: 3 }))
    .map(([first, rest]) => [first, ...rest.flatMap(([turns, next]) => [...turns, next])]);
}

function request(options: Options): fc.Arbitrary<ChatRequest> {
  const { protocol } = options;
  const tools = fc.uniqueArray(
    fc.record({ name, description: fc.option(word, { nil: undefined }), parameters: fc.constant({ type: 'object', properties: { q: { type: 'string' } } }) }),
    { maxLength: 2, selector: (t) => t.name },
  );
  return fc
    .record({
      system: fc.array(text, { maxLength: 2 }),
      messages: conversation(options),
      tools,
      maxOutputTokens: fc.option(fc.integer({ min: 1, max: 20_000 }), { nil: undefined }),
      temperature: fc.option(unit, { nil: undefined }),
      topP: fc.option(unit, { nil: undefined }),
      stopSequences: fc.option(fc.array(word, { minLength: 1, maxLength: 4 }), { nil: undefined }),
      topK: protocol === 'openai-chat' ? fc.constant(undefined) : fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
      seed: protocol === 'anthropic' ? fc.constant(undefined) : fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      user: protocol === 'gemini' ? fc.constant(undefined) : fc.option(word, { nil: undefined }),
      stream: fc.boolean(),
      effort: fc.option(fc.constantFrom('low' as const, 'medium' as const, 'high' as const), { nil: undefined }),
      schema: fc.option(fc.constant({ type: 'object', properties: { a: { type: 'string' } } }), { nil: undefined }),
    })
    .map(({ effort, schema, ...r }): ChatRequest => {
      const out: ChatRequest = { ...r };
      for (const key of Object.keys(out) as Array<keyof ChatRequest>) if (out[key] === undefined) delete out[key];
      if (r.tools.length > 0) out.toolChoice = { type: 'tool', name: r.tools[0].name };
      for (const tool of out.tools) if (tool.description === undefined) delete tool.description;
      if (effort !== undefined) {
        // Each protocol's own form of reasoning: an effort (OpenAI, adaptive Claude), a budget (Gemini 2.5).
        if (protocol === 'gemini') out.reasoning = { mode: 'on', budgetTokens: 4096, includeThoughts: true };
        else if (protocol === 'anthropic') out.reasoning = { mode: 'on', effort, includeThoughts: true };
        else out.reasoning = { mode: 'on', effort };
      }
      if (schema !== undefined) {
        if (protocol === 'openai-chat') out.output = { type: 'json_schema', name: 'response', schema };
        else if (protocol === 'anthropic') out.output = { type: 'json_schema', schema, strict: true };
        else out.output = { type: 'json_schema', schema };
      }
      return out;
    });
}

/** What a protocol changes by design, applied to the expected request. */
function expectedRequest(protocol: ProviderProtocol, r: ChatRequest): ChatRequest {
  const expected = structuredClone(r);
  if (protocol === 'anthropic') expected.maxOutputTokens ??= MODEL_MAX;
  if (protocol === 'openai-chat' && expected.stream) expected.streamIncludeUsage = true;
  if (protocol === 'anthropic') {
    // Thinking is left out when the tool-use turn it would continue has none (anthropic.spec.ts).
    const last = [...expected.messages].reverse().find((m) => m.role === 'assistant');
    const unsigned = last?.content.some((p) => p.type === 'tool_call') && !last.content.some((p) => p.type === 'reasoning');
    if (unsigned) delete expected.reasoning;
  }
  if (protocol === 'gemini') {
    // Gemini carries no call ids: the decoder names a call by its content's and part's positions (consecutive user
    // and tool turns are one Gemini content), and gives each result the name of its call.
    const ids = new Map<string, { id: string; name: string }>();
    let content = -1;
    let role = '';
    for (const message of expected.messages) {
      const geminiRole = message.role === 'assistant' ? 'model' : 'user';
      if (geminiRole !== role) content++;
      role = geminiRole;
      if (message.role === 'assistant') {
        message.content.forEach((part, j) => {
          if (part.type !== 'tool_call') return;
          ids.set(part.id, { id: `call_g${content}_${j}`, name: part.name });
          part.id = `call_g${content}_${j}`;
        });
      } else if (message.role === 'tool') {
        for (const result of message.content) {
          const call = ids.get(result.toolCallId)!;
          result.toolCallId = call.id;
          result.name = call.name;
        }
      }
    }
  }
  return expected;
}

function roundTrip(protocol: ProviderProtocol, r: ChatRequest): ChatRequest {
  const dropped: string[] = [];
  const body = encodeRequest(protocol, r, { source: protocol, target: protocol, dropped, model: MODEL[protocol], modelMaxOutputTokens: MODEL_MAX });
  const wire: unknown = JSON.parse(JSON.stringify(body));
  const decoded = decodeRequest(protocol, wire, { target: protocol, dropped }, r.stream);
  return JSON.parse(JSON.stringify(decoded)) as ChatRequest;
}

describe.each<ProviderProtocol>(['openai-chat', 'anthropic', 'gemini'])('%s: decode(encode(request)) = request', (protocol) => {
  it('holds for generated requests', () => {
    fc.assert(
      fc.property(request({ protocol }), (r) => {
        expect(roundTrip(protocol, r)).toEqual(expectedRequest(protocol, r));
      }),
      { numRuns: 200 },
    );
  });
});

function response(protocol: ProviderProtocol): fc.Arbitrary<ChatResponse> {
  const part = fc.oneof(
    text,
    fc.record({ type: fc.constant('tool_call' as const), id, name, arguments: args }),
    word.map((t) => ({ type: 'reasoning' as const, text: t, signature: 'sig' })),
  );
  return fc
    .record({
      content: fc.array(part, { maxLength: 4 }),
      stopReason: fc.constantFrom('end_turn' as const, 'max_tokens' as const, 'content_filter' as const),
      usage: fc.record({
        inputTokens: fc.integer({ min: 1000, max: 2000 }),
        cachedInputTokens: fc.integer({ min: 0, max: 500 }),
        cacheWriteTokens: protocol === 'gemini' ? fc.constant(0) : fc.integer({ min: 0, max: 500 }),
        outputTokens: fc.integer({ min: 100, max: 200 }),
        reasoningTokens: fc.integer({ min: 0, max: 100 }),
      }),
    })
    .map(({ content, stopReason, usage }): ChatResponse => {
      let parts: OutputPart[] = content;
      if (protocol === 'openai-chat') {
        // One message: reasoning_content, then the text, then the calls; no signatures.
        const reasoning = parts.filter((p) => p.type === 'reasoning').map((p) => p.text).join('');
        const texts = parts.filter((p) => p.type === 'text').map((p) => p.text).join('');
        parts = [
          ...(reasoning.length > 0 ? [{ type: 'reasoning' as const, text: reasoning }] : []),
          ...(texts.length > 0 ? [{ type: 'text' as const, text: texts }] : []),
          ...parts.filter((p) => p.type === 'tool_call'),
        ];
      }
      // Gemini keeps a thought's signature only for Anthropic (a Gemini answer's own text signatures are optional).
      if (protocol === 'gemini') parts = parts.map((p) => (p.type === 'reasoning' ? { type: 'reasoning', text: p.text } : p));
      const calls = parts.some((p) => p.type === 'tool_call');
      const stop = calls && stopReason === 'end_turn' ? 'tool_use' : stopReason;
      return { id: 'resp1', model: 'client-model', content: parts, stopReason: stop, usage };
    });
}

const PREFIX: Record<ProviderProtocol, string> = { 'openai-chat': 'chatcmpl-', anthropic: 'msg_', gemini: '' };

describe.each<ProviderProtocol>(['openai-chat', 'anthropic', 'gemini'])('%s: decode(encode(answer)) = answer', (protocol) => {
  it('holds for generated answers', () => {
    fc.assert(
      fc.property(response(protocol), (r) => {
        const body: unknown = JSON.parse(JSON.stringify(encodeResponse(protocol, r, { model: r.model })));
        expect(decodeResponse(protocol, body)).toEqual({ ...r, id: `${PREFIX[protocol]}${r.id}` });
      }),
      { numRuns: 200 },
    );
  });
});
