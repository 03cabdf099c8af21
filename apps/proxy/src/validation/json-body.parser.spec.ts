import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import type { AppConfig } from '@gw/config';
import { toGatewayError } from '../context/gateway-errors';
import { GATEWAY_ROUTE, type ProxyRoute } from '../context/request-context';
import { bodyProblemOf } from './body-problem';
import { registerJsonBodyParser } from './json-body.parser';
import { JsonOffload } from './json-offload';

const LIMIT = 1_000;
const CHAT: ProxyRoute = { protocol: 'openai', endpoint: 'chat.completions', billable: true };
const KEY_INFO: ProxyRoute = { protocol: 'openai', endpoint: 'key_info', billable: false };

/** What a route saw: the body Fastify handed it and the problem recorded for the AdmitGuard. */
interface Seen {
  body: unknown;
  problem: { status: number; message: string } | null;
}

describe(registerJsonBodyParser.name, () => {
  let sut: FastifyInstance;

  beforeAll(async () => {
    sut = Fastify();
    // Bodies stay on the event loop here (the worker file is the built proxy's): the e2e corpus runs both ways.
    const offload = new JsonOffload({ proxy: { json: { offloadBytes: Number.MAX_SAFE_INTEGER, workerThreads: 1 } } } as AppConfig);
    registerJsonBodyParser(sut, { openai: LIMIT, anthropic: LIMIT, gemini: LIMIT }, offload);
    const seen = (request: { body: unknown }): Seen => {
      const problem = bodyProblemOf(request as never);
      return { body: request.body ?? null, problem: problem && { status: toGatewayError(problem).status, message: problem.message } };
    };
    sut.post('/v1/chat/completions', { config: { [GATEWAY_ROUTE]: CHAT } }, async (request) => seen(request));
    sut.get('/v1/key', { config: { [GATEWAY_ROUTE]: KEY_INFO } }, async (request) => seen(request));
    sut.post('/internal', async (request) => seen(request));
    // What is answered at once, as the proxy's filters would: the gateway's status and message.
    sut.setErrorHandler((error, _request, reply) => {
      const gateway = toGatewayError(error);
      return reply.status(gateway.status).send({ immediate: gateway.message });
    });
    await sut.ready();
  });

  afterAll(() => sut.close());

  const post = (payload: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, url = '/v1/chat/completions') =>
    sut.inject({ method: 'POST', url, headers, payload } as InjectOptions);

  const recorded = async (response: ReturnType<typeof post>, status: number, message: string) => {
    const answer = await response;
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ body: null, problem: { status, message } });
  };

  it('hands a gateway route the parsed body, with no problem', async () => {
    const answer = await post('{"model":"m","messages":[]}');
    expect(answer.json()).toEqual({ body: { model: 'm', messages: [] }, problem: null });
  });

  describe('on a gateway route, records the problem and runs the route without a body', () => {
    it('JSON that does not parse, or bytes that are not UTF-8', async () => {
      await recorded(post('{"model": "m", "messages": ['), 400, 'Request body is not valid JSON');
      await recorded(post(Buffer.from([0x7b, 0xff, 0x7d])), 400, expect.stringMatching(/UTF-8/) as never);
    });

    it('a body over the limit, announced (nothing read) or found on arrival', async () => {
      const large = JSON.stringify({ pad: 'x'.repeat(LIMIT) });
      await recorded(post(large), 413, 'Request body is too large');
      await recorded(
        post('{}', { 'content-type': 'application/json', 'content-length': String(10 * LIMIT) }),
        413,
        'Request body is too large',
      );
    });

    it('a charset other than UTF-8, and a Content-Encoding', async () => {
      await recorded(post('{}', { 'content-type': 'application/json; charset=latin1' }), 400, 'Unsupported charset: send JSON in UTF-8');
      await recorded(
        post('{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
        400,
        'Unsupported Content-Encoding: send the body uncompressed',
      );
    });

    it.each([['text/plain'], ['application/jsonx'], ['json'], ['application/json\u0080'], ['; charset=utf-8']])(
      'the content type %j, with the message Fastify would have given',
      async (contentType) => {
        await recorded(post('{}', { 'content-type': contentType }), 400, 'Unsupported content type: send the body as application/json');
      },
    );

    it('a body without a content type, and an unreadable content type without a body', async () => {
      await recorded(post('{}', {}), 400, 'Unsupported content type: send the body as application/json');
      const empty = await sut.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'json' } });
      expect(empty.json()).toEqual({ body: null, problem: { status: 400, message: 'Unsupported content type: send the body as application/json' } });
    });
  });

  it('leaves the content type of a request without a body alone', async () => {
    const answer = await sut.inject({ method: 'GET', url: '/v1/key', headers: { 'content-type': 'json' } });
    expect(answer.json()).toEqual({ body: null, problem: null });
  });

  it('answers at once on other routes, as before; unknown routes still answer 404 to a content type not parsed', async () => {
    expect((await post('{"a":', undefined, '/internal')).json()).toEqual({ immediate: 'Request body is not valid JSON' });
    expect((await post('{}', { 'content-type': 'text/plain' }, '/internal')).json()).toEqual({
      immediate: 'Unsupported content type: send the body as application/json',
    });
    expect((await post('{}', { 'content-type': 'text/plain' }, '/nothing')).statusCode).toBe(404);
    expect((await post('{"a":', undefined, '/nothing')).json()).toEqual({ immediate: 'Request body is not valid JSON' });
  });
});
