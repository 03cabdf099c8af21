import { ArgumentsHost, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, GatewayErrorCode } from '@gw/common';
import { AnthropicErrorFilter, GeminiErrorFilter, GlobalExceptionFilter, OpenAiErrorFilter } from './protocol-exception.filters';

/** spec/errors.md, "Codes": status -> wire type, for every row, and Google's status name (spec/protocols.md). */
const TABLE: [GatewayErrorCode, number, string, string][] = [
  [GatewayErrorCode.INVALID_REQUEST, 400, 'invalid_request_error', 'INVALID_ARGUMENT'],
  [GatewayErrorCode.UNAUTHENTICATED, 401, 'authentication_error', 'UNAUTHENTICATED'],
  [GatewayErrorCode.INSUFFICIENT_QUOTA, 402, 'insufficient_quota', 'FAILED_PRECONDITION'],
  [GatewayErrorCode.PERMISSION_DENIED, 403, 'permission_error', 'PERMISSION_DENIED'],
  [GatewayErrorCode.NOT_FOUND, 404, 'not_found', 'NOT_FOUND'],
  [GatewayErrorCode.PAYLOAD_TOO_LARGE, 413, 'invalid_request_error', 'INVALID_ARGUMENT'],
  [GatewayErrorCode.RATE_LIMITED, 429, 'rate_limit_error', 'RESOURCE_EXHAUSTED'],
  [GatewayErrorCode.INTERNAL, 500, 'server_error', 'INTERNAL'],
  [GatewayErrorCode.UPSTREAM_ERROR, 502, 'upstream_error', 'INTERNAL'],
  [GatewayErrorCode.SERVICE_UNAVAILABLE, 503, 'service_unavailable', 'UNAVAILABLE'],
  [GatewayErrorCode.TIMEOUT, 504, 'timeout', 'DEADLINE_EXCEEDED'],
];

const host = (request: FastifyRequest, reply: FastifyReply) =>
  ({ switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) }) as unknown as ArgumentsHost;

describe('protocol exception filters', () => {
  let app: FastifyInstance;
  let thrown: unknown;

  beforeAll(async () => {
    app = Fastify();
    const filters = {
      openai: new OpenAiErrorFilter(),
      anthropic: new AnthropicErrorFilter(),
      gemini: new GeminiErrorFilter(),
      global: new GlobalExceptionFilter(),
    };
    for (const [name, filter] of Object.entries(filters)) {
      app.get(`/${name}`, (request, reply) => filter.catch(thrown, host(request, reply)));
      app.get(`/anthropic/${name}`, (request, reply) => filter.catch(thrown, host(request, reply)));
      app.get(`/gemini/${name}`, (request, reply) => filter.catch(thrown, host(request, reply)));
    }
    await app.ready();
  });
  afterAll(() => app.close());

  describe.each(TABLE)('%s', (code, status, type, googleStatus) => {
    const message = `something ${status}`;

    it(`is ${status} ${type} in the OpenAI format`, async () => {
      thrown = new GatewayError(code, message);
      const response = await app.inject({ method: 'GET', url: '/openai' });
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({ error: { message, type, code: String(status) } });
    });

    it(`is ${status} ${type} in the Anthropic format`, async () => {
      thrown = new GatewayError(code, message);
      const response = await app.inject({ method: 'GET', url: '/anthropic' });
      expect(response.statusCode).toBe(status);
      expect(response.json()).toEqual({ type: 'error', error: { type, message } });
    });

    it(`is ${status} ${googleStatus} in Google's format, on Gemini routes and on any /gemini/ path`, async () => {
      thrown = new GatewayError(code, message);
      for (const url of ['/gemini', '/gemini/global']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(status);
        expect(response.json()).toEqual({ error: { code: status, message, status: googleStatus } });
      }
    });
  });

  it('puts the error headers on the response (Retry-After of a 429)', async () => {
    thrown = GatewayError.rateLimited(7);
    const response = await app.inject({ method: 'GET', url: '/anthropic' });
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit exceeded. Retry after 7 seconds.' },
    });
  });

  it('turns anything unexpected into a fixed 500 that leaks nothing', async () => {
    thrown = new TypeError("Cannot read properties of undefined (reading 'secret')");
    const openai = await app.inject({ method: 'GET', url: '/openai' });
    expect(openai.statusCode).toBe(500);
    expect(openai.json()).toEqual({ error: { message: 'Internal gateway error', type: 'server_error', code: '500' } });
    const anthropic = await app.inject({ method: 'GET', url: '/anthropic' });
    expect(anthropic.json()).toEqual({ type: 'error', error: { type: 'server_error', message: 'Internal gateway error' } });
  });

  it('maps framework exceptions (unknown route, body too large) to the table, by URL for the global filter', async () => {
    thrown = new NotFoundException('Cannot GET /nowhere');
    const outside = await app.inject({ method: 'GET', url: '/global' });
    expect(outside.json()).toEqual({ error: { message: 'Not found', type: 'not_found', code: '404' } });
    const anthropic = await app.inject({ method: 'GET', url: '/anthropic/global' });
    expect(anthropic.json()).toEqual({ type: 'error', error: { type: 'not_found', message: 'Not found' } });

    thrown = new PayloadTooLargeException('Request body is too large');
    const tooLarge = await app.inject({ method: 'GET', url: '/anthropic/anthropic' });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'Request body is too large' } });
  });
});
