import Fastify, { FastifyInstance } from 'fastify';
import { GatewayError, GatewayShutdownError } from '@gw/common';
import { openRequestContext } from '../pipeline/context.stage';
import type { RequestContext } from '../context/request-context';
import { OpenAiChatStreamDialect } from '../openai/openai-chat-stream.dialect';
import type { UpstreamResponse } from './upstream-client';
import { ClientResponse } from './client-response';
import type { RelayResult } from './relay-result';
import { relayStream } from './stream-relay';

const chunk = (content: string) => `data: {"model":"m","choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`;
const USAGE = 'data: {"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}\n\n';
const DONE = 'data: [DONE]\n\n';

/** An upstream whose body yields `parts` (a part that is an Error is thrown instead). */
function upstream(parts: (string | Error)[]) {
  const aborted: Error[] = [];
  const response = {
    status: 200,
    body: (async function* () {
      for (const part of parts) {
        if (part instanceof Error) throw part;
        yield Buffer.from(part);
      }
    })(),
    limits: { timeoutS: 30, idleTimeoutMs: 500 },
    abort: (reason: Error) => aborted.push(reason),
  } as unknown as UpstreamResponse;
  return { response, aborted };
}

describe(relayStream.name, () => {
  let app: FastifyInstance;
  let parts: (string | Error)[];
  let outcome: { result?: RelayResult; error?: unknown };
  let lastContext: RequestContext;

  beforeAll(async () => {
    app = Fastify();
    app.post('/stream', async (_request, reply) => {
      const gw = openRequestContext('/v1/chat/completions', undefined);
      lastContext = gw;
      const { response } = upstream(parts);
      try {
        outcome = { result: await relayStream(gw, response, new ClientResponse(reply, gw), new OpenAiChatStreamDialect('m', false)) };
      } catch (error) {
        outcome = { error };
        reply.status((error as GatewayError).status).send({ failed: true });
      }
    });
    await app.ready();
  });
  afterAll(() => app.close());

  async function run(body: (string | Error)[]) {
    parts = body;
    const response = await app.inject({ method: 'POST', url: '/stream' });
    return { response, ...outcome };
  }

  it('passes the events on and settles a complete stream on the reported usage', async () => {
    const { response, result } = await run([chunk('a') + chunk('b'), USAGE + DONE]);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.body).toBe(chunk('a') + chunk('b') + DONE);
    expect(result).toMatchObject({ outcome: 'completed', usageEstimated: false, inputReported: true, usage: { inputTokens: 5, outputTokens: 2 } });
  });

  it('ignores what comes after the final event, a broken connection included', async () => {
    const { response, result } = await run([chunk('a') + USAGE + DONE, chunk('late'), new Error('socket reset')]);
    expect(response.body).toBe(chunk('a') + DONE);
    expect(result).toMatchObject({ outcome: 'completed', errorType: null });
  });

  it('fails as a plain HTTP error when the upstream breaks before the first event', async () => {
    const { response, error } = await run([': comment only\n\n', new Error('socket reset')]);
    expect(response.statusCode).toBe(502);
    expect(error).toBeInstanceOf(GatewayError);
  });

  it("ends a stream broken after its first event with the protocol's error event, settled on what was sent", async () => {
    const { response, result } = await run([chunk('mock') + chunk(' reply'), new Error('socket reset')]);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(
      chunk('mock') +
        chunk(' reply') +
        'data: {"error":{"message":"The upstream provider closed the stream before it was complete","type":"upstream_error","code":"502"}}\n\n',
    );
    expect(result).toMatchObject({
      outcome: 'upstream_dropped',
      errorType: 'upstream_error',
      usageEstimated: true,
      inputReported: false, // counted by the settlement, off the event loop
      usage: { inputTokens: 0, outputTokens: 2 },
    });
  });

  it("records a stream cut by the gateway's own shutdown as such, not as the provider's failure", async () => {
    const { response, result } = await run([chunk('mock'), new GatewayShutdownError()]);
    expect(response.body).toBe(
      chunk('mock') + 'data: {"error":{"message":"The gateway is shutting down","type":"service_unavailable","code":"503"}}\n\n',
    );
    expect(result).toMatchObject({ outcome: 'gateway_shutdown', errorType: 'service_unavailable', usage: { outputTokens: 1 } });
  });

  it('tells the heartbeat what the client has received so far', async () => {
    const { result } = await run([chunk('mock') + chunk(' reply') + USAGE + DONE]);
    expect(result).toMatchObject({ outcome: 'completed', inputReported: true });
    expect(lastContext.delivered!()).toEqual({
      usage: { inputTokens: 5, outputTokens: 2, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      inputReported: true,
    });
  });

  it('ends a stream that stalls past the idle limit with a timeout event naming that limit', async () => {
    const stalled = Object.assign(new Error('Body Timeout Error'), { code: 'UND_ERR_BODY_TIMEOUT' });
    const { response, result } = await run([chunk('a'), stalled]);
    expect(response.body).toBe(
      chunk('a') +
        'data: {"error":{"message":"Request timed out after 0.5 seconds",' +
        '"type":"timeout","code":"504"}}\n\n',
    );
    expect(result).toMatchObject({ outcome: 'upstream_dropped', errorType: 'timeout', usage: { outputTokens: 1 } });
  });

  it('treats a body that ends without the final event as cut', async () => {
    const { response, result } = await run([chunk('a')]);
    expect(response.body.endsWith('"type":"upstream_error","code":"502"}}\n\n')).toBe(true);
    expect(result).toMatchObject({ outcome: 'upstream_dropped' });
  });

  it('reports an invalid event as the upstream failing', async () => {
    const { response, result } = await run([chunk('a'), 'data: {"choices":\n\n']);
    expect(response.body).toContain('The upstream provider sent an invalid stream event');
    expect(result).toMatchObject({ outcome: 'upstream_dropped', usage: { outputTokens: 1 } });
  });
});
