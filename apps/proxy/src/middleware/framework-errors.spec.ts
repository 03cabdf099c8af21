import Fastify, { FastifyInstance } from 'fastify';
import { frameworkErrorHandler, MAX_PARAM_LENGTH } from './framework-errors';

describe('frameworkErrorHandler (what the router refuses before any hook runs)', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify({ frameworkErrors: frameworkErrorHandler, routerOptions: { maxParamLength: MAX_PARAM_LENGTH } });
    app.decorateRequest('gw', null as never);
    app.get('/v1/responses/:id', async (request) => ({ id: (request.params as { id: string }).id.length }));
    app.get('/anthropic/v1/models/*', async () => ({}));
    app.post('/gemini/v1beta/models/*', async () => ({}));
    await app.ready();
  });

  afterAll(() => app.close());

  it.each([
    ['openai', 'GET', '/v1/responses/%ZZ', { error: { message: expect.stringMatching(/^Malformed URL/), type: 'invalid_request_error', code: '400' } }],
    ['anthropic', 'GET', '/anthropic/v1/models/%E0%A4%A', { type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^Malformed URL/) } }],
    ['gemini', 'POST', '/gemini/v1beta/models/x%C0%AF:generateContent', { error: { code: 400, message: expect.stringMatching(/^Malformed URL/), status: 'INVALID_ARGUMENT' } }],
    ['openai (no prefix)', 'GET', '/%', { error: { message: expect.stringMatching(/^Malformed URL/), type: 'invalid_request_error', code: '400' } }],
  ] as const)('%s: a path that is not percent-encoded UTF-8 is a 400 in the caller format, with the ids', async (_protocol, method, url, body) => {
    const response = await app.inject({ method, url, headers: { 'x-request-id': 'req-mine' } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-chuizi-generation-id']).toMatch(/^gen-[0-9A-Z]{26}$/);
    expect(response.headers['x-request-id']).toBe('req-mine');
    expect(response.json()).toEqual(body);
    if (url.startsWith('/anthropic/')) expect(response.headers['request-id']).toBe(response.headers['x-chuizi-generation-id']);
  });

  it('takes a path parameter of any length the request line allows (past 100 characters the router answered a bare 414)', async () => {
    const response = await app.inject({ method: 'GET', url: `/v1/responses/${'a'.repeat(5_000)}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 5_000 });
  });
});
