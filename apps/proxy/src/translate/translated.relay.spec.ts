import type { FastifyReply } from 'fastify';
import type { AppConfig } from '@gw/config';
import { NATIVE_PROTOCOL, type ChannelRecord, type ModelRecord } from '@gw/db';
import type { ClientProtocol } from '@gw/translate';
import { modelRecord, resolved } from '../../../../test/factories/proxy-stage.factory';
import type { Held } from '../context/request-context';
import type { UpstreamCall, UpstreamClient, UpstreamResponse } from '../relay/upstream-client';
import { JsonOffload } from '../validation/json-offload';
import { TranslatedRelay } from './translated.relay';
import { translateForProvider } from './translation';

const JSON_CONFIG = { proxy: { json: { offloadBytes: 1 << 30, workerThreads: 1 } } } as AppConfig;
const CHANNEL = { apiKey: 'sk-channel' } as ChannelRecord;
const CHAT = { model: 'asked', messages: [{ role: 'user', content: 'hi' }] };
const ANTHROPIC_ANSWER = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-x',
  content: [{ type: 'text', text: 'hello' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 2 },
};

/** An UpstreamClient that hands the relay a 2xx answer with `answer` as its body (or, without one, relays nothing). */
function setUp(answer?: object) {
  const calls: UpstreamCall[] = [];
  const upstream = {
    exchange: jest.fn(async (_context: unknown, call: UpstreamCall, relay: (response: UpstreamResponse) => unknown) => {
      calls.push(call);
      if (answer === undefined) return null;
      return relay({ body: { text: async () => JSON.stringify(answer) } } as unknown as UpstreamResponse);
    }),
  } as unknown as UpstreamClient;
  const sent: string[] = [];
  const reply = {
    raw: { on: jest.fn() },
    status: () => reply,
    header: () => reply,
    send: (text: string) => sent.push(text),
  } as unknown as FastifyReply;
  return { sut: new TranslatedRelay(upstream, new JsonOffload(JSON_CONFIG)), calls, reply, sent };
}

/** A held request of a client of `from`, translated for the model's provider as the resolve stage does. */
function held(model: ModelRecord, body: Record<string, unknown>, stream = false, forwardHeaders = {}, from: ClientProtocol = 'openai-chat'): Held {
  const translated = translateForProvider(from, NATIVE_PROTOCOL[model.provider], body, model, stream, {});
  return { ...resolved(body, model), body: translated.body, translation: translated.translation, stream, forwardHeaders, hold: {} } as unknown as Held;
}

describe(TranslatedRelay.name, () => {
  it("sends the provider body to the provider's endpoint and answers in the client's protocol, settled on the provider's usage", async () => {
    const { sut, calls, reply, sent } = setUp(ANTHROPIC_ANSWER);
    const claude = modelRecord({ id: 'anthropic/claude', provider: 'anthropic', upstreamModel: 'claude-x' });
    const result = await sut.relay(held(claude, CHAT, false, { 'anthropic-version': '2023-06-01' }), {}, reply);
    expect(calls[0].path).toBe('/v1/messages');
    expect(calls[0].headers(CHANNEL)).toMatchObject({ 'x-api-key': 'sk-channel', 'anthropic-version': '2023-06-01' });
    expect(JSON.parse(calls[0].body as string)).toMatchObject({ model: 'claude-x', messages: [{ role: 'user' }] });
    const answer = JSON.parse(sent[0]);
    expect(answer).toMatchObject({ object: 'chat.completion', model: 'asked', choices: [{ message: { content: 'hello' }, finish_reason: 'stop' }] });
    // Anthropic's cache reads come on top of input_tokens: 9 input tokens, 2 of them cached, billed once each.
    expect(answer.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 2 } });
    expect(result).toMatchObject({ status: 200, outcome: 'completed', usage: { inputTokens: 9, cachedInputTokens: 2, outputTokens: 3 } });
  });

  it.each([
    ['google', false, '/v1beta/models/gemini-x:generateContent', { 'x-goog-api-key': 'sk-channel' }],
    ['google', true, '/v1beta/models/gemini-x:streamGenerateContent?alt=sse', { 'x-goog-api-key': 'sk-channel' }],
    ['openai', true, '/v1/chat/completions', { authorization: 'Bearer sk-channel' }],
  ] as const)('calls a %s model (stream %s) at %s with its credential', async (provider, stream, path, credential) => {
    const { sut, calls, reply } = setUp();
    const model = modelRecord({ id: `${provider}/m`, provider, upstreamModel: 'gemini-x' });
    // An OpenAI model is translated for the clients of the other protocols: an Anthropic one here.
    const request = provider === 'openai' ? held(model, { ...CHAT, max_tokens: 10 }, stream, {}, 'anthropic') : held(model, CHAT, stream);
    await sut.relay(request, {}, reply);
    expect(calls[0].path).toBe(path);
    expect(calls[0].headers(CHANNEL)).toMatchObject(credential);
  });

  it.each([
    ['no limit', {}, 1_000],
    ['a limit within the model maximum', { max_output_tokens: 200 }, 200],
    ['a limit above the model maximum', { max_output_tokens: 5_000 }, 1_000],
  ])('echoes in a Responses answer to a request with %s the output limit the provider is sent, as a native answer does', async (_, limit, echoed) => {
    // The reserve stage sends the provider min(asked, model maximum), the model maximum when none is asked for.
    const { sut, reply, sent } = setUp(ANTHROPIC_ANSWER);
    const claude = modelRecord({ id: 'anthropic/claude', provider: 'anthropic', upstreamModel: 'claude-x', maxOutputTokens: 1_000 });
    const body = { model: 'asked', input: 'hi', temperature: 0.5, ...limit };
    await sut.relay(held(claude, body, false, {}, 'openai-responses'), {}, reply);
    expect(JSON.parse(sent[0])).toMatchObject({ object: 'response', max_output_tokens: echoed, temperature: 0.5 });
  });

  it("answers 502 when the provider's answer cannot be translated", async () => {
    const { sut, reply } = setUp({ type: 'message', content: 'not blocks' });
    const claude = modelRecord({ id: 'anthropic/claude', provider: 'anthropic' });
    await expect(sut.relay(held(claude, CHAT), {}, reply)).rejects.toMatchObject({ status: 502 });
  });
});
