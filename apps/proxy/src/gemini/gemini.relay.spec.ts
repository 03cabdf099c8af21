import Fastify, { FastifyInstance, FastifyReply } from 'fastify';
import { modelRecord } from '../../../../test/factories/proxy-stage.factory';
import { openRequestContext } from '../pipeline/context.stage';
import type { Resolved } from '../context/request-context';
import type { RelayResult } from '../relay/relay-result';
import type { UpstreamCall, UpstreamClient, UpstreamResponse } from '../relay/upstream-client';
import type { JsonOffload } from '../validation/json-offload';
import { GeminiRelay, streamFraming } from './gemini.relay';

const flash = modelRecord({ id: 'google/gemini-2.5-flash', provider: 'google', upstreamModel: 'gemini-2.5-flash-001' });
const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];

/** An upstream that answers `body` and records the call the relay made. */
function upstream(body: string) {
  const calls: UpstreamCall[] = [];
  const client = {
    exchange: async (_context: unknown, call: UpstreamCall, relay: (response: UpstreamResponse) => Promise<RelayResult>) => {
      calls.push(call);
      const response = {
        status: 200,
        headers: {},
        body: (async function* () {
          yield Buffer.from(body);
        })(),
        limits: { timeoutS: 30, idleTimeoutMs: 500 },
        abort: () => undefined,
      };
      Object.assign(response.body, { text: async () => body });
      return relay(response as unknown as UpstreamResponse);
    },
  } as unknown as UpstreamClient;
  return { client, calls };
}

const json = { stringify: async (body: object, changes: object) => JSON.stringify({ ...body, ...changes }) } as unknown as JsonOffload;

describe(GeminiRelay.name, () => {
  let app: FastifyInstance;
  let run: (reply: FastifyReply) => Promise<RelayResult>;
  let result: RelayResult | undefined;

  beforeAll(async () => {
    app = Fastify();
    app.post('/relay', async (_request, reply) => {
      result = await run(reply);
    });
    await app.ready();
  });
  afterAll(() => app.close());

  function resolved(body: Record<string, unknown>, stream = false): Resolved {
    const context = openRequestContext('/gemini/v1beta/models/gemini-2.5-flash:generateContent', undefined);
    return { context, body, model: flash, requestedModel: 'gemini-2.5-flash', stream } as unknown as Resolved;
  }

  it("calls the channel's model by its upstream name, the key in a header, and passes the answer on", async () => {
    const answer = JSON.stringify({ candidates: [{ content: { parts: [{ text: 'ok' }] } }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1 } });
    const { client, calls } = upstream(answer);
    const sut = new GeminiRelay(client, json);
    run = (reply) => sut.generateContent(resolved({ contents, generationConfig: { maxOutputTokens: 10 } }), { key: 'ck-secret' }, reply);
    const response = await app.inject({ method: 'POST', url: '/relay' });
    expect(response.body).toBe(answer);
    expect(calls[0].path).toBe('/v1beta/models/gemini-2.5-flash-001:generateContent');
    expect(calls[0].headers(flash.channels[0])).toMatchObject({ 'x-goog-api-key': 'sk-test' });
    expect(JSON.parse(String(calls[0].body))).toEqual({ contents, generationConfig: { maxOutputTokens: 10 } });
    expect(result).toMatchObject({ outcome: 'completed', usage: { inputTokens: 2, outputTokens: 1 } });
  });

  it('always reads a stream as SSE and frames it for the client as it asked', async () => {
    const chunk = JSON.stringify({ candidates: [{ content: { parts: [{ text: 'ok' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1 } });
    const { client, calls } = upstream(`data: ${chunk}\r\n\r\n`);
    const sut = new GeminiRelay(client, json);
    run = (reply) => sut.generateContent(resolved({ contents }, true), {}, reply);
    const response = await app.inject({ method: 'POST', url: '/relay' });
    expect(calls[0].path).toBe('/v1beta/models/gemini-2.5-flash-001:streamGenerateContent?alt=sse');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual([JSON.parse(chunk)]);
    expect(result).toMatchObject({ outcome: 'completed', usage: { inputTokens: 2, outputTokens: 1 } });
  });

  it("counts tokens free of charge, naming the channel's model inside a whole request", async () => {
    const { client, calls } = upstream('{"totalTokens": 3}');
    const sut = new GeminiRelay(client, json);
    run = (reply) => sut.countTokens(resolved({ generateContentRequest: { model: 'models/gemini-2.5-flash', contents } }), reply);
    await app.inject({ method: 'POST', url: '/relay' });
    expect(calls[0].path).toBe('/v1beta/models/gemini-2.5-flash-001:countTokens');
    expect(JSON.parse(String(calls[0].body))).toEqual({ generateContentRequest: { model: 'models/gemini-2.5-flash-001', contents } });
    expect(result).toMatchObject({ usage: { inputTokens: 0, outputTokens: 0 } });
  });
});

describe(streamFraming.name, () => {
  it('is SSE only for alt=sse', () => {
    expect(streamFraming({ alt: 'sse' })).toBe('sse');
    expect(streamFraming({})).toBe('json-array');
    expect(streamFraming({ alt: 'json' })).toBe('json-array');
    expect(streamFraming(undefined)).toBe('json-array');
  });
});
