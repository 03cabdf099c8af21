import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';
import { configureRefusalLog, sendError } from './error-response';

function fakeRequest(): FastifyRequest {
  return { method: 'POST', url: '/v1/chat/completions', gw: { generationId: 'gen-1', requestId: 'req-1', protocol: 'openai' } } as never;
}

function fakeReply(): FastifyReply {
  const reply = {
    sent: false,
    raw: { headersSent: false },
    status: () => reply,
    headers: () => reply,
    header: () => reply,
    send: () => reply,
  };
  return reply as never;
}

describe('sendError logging', () => {
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    configureRefusalLog(10_000);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('logs an expected refusal once per interval at warn, then how many were left out, never with a stack', () => {
    for (let i = 0; i < 1_000; i++) {
      const refusal = GatewayError.unavailable('Rate limiter unavailable');
      (refusal as { cause?: unknown }).cause = new Error('connect ECONNREFUSED 127.0.0.1:6379');
      sendError(fakeRequest(), fakeReply(), refusal);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    // With the request's ids as fields of the line (the proxy passes them itself: no AsyncLocalStorage).
    expect(warn.mock.calls[0][0]).toEqual({
      msg: 'POST /v1/chat/completions (generation gen-1) -> 503 Rate limiter unavailable; cause: connect ECONNREFUSED 127.0.0.1:6379',
      generationId: 'gen-1',
      requestId: 'req-1',
    });
    jest.advanceTimersByTime(10_000);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1][0]).toBe('503 Rate limiter unavailable: 999 more in the last 10 s');
    expect(error).not.toHaveBeenCalled();
    expect(warn.mock.calls.map(([line]) => (typeof line === 'string' ? line : line.msg)).join('\n')).not.toContain('\n    at ');
  });

  it('logs every unexpected error at error level with its stack', () => {
    for (let i = 0; i < 3; i++) sendError(fakeRequest(), fakeReply(), new TypeError('x is not a function'));
    expect(error).toHaveBeenCalledTimes(3);
    expect(error.mock.calls[0][0]).toMatchObject({ generationId: 'gen-1', requestId: 'req-1' });
    expect(error.mock.calls[0][0].msg).toMatch(/-> 500 Internal gateway error: TypeError: x is not a function\n {4}at /);
    expect(warn).not.toHaveBeenCalled();
  });

  it('logs nothing for client errors', () => {
    sendError(fakeRequest(), fakeReply(), GatewayError.invalidRequest('messages: required'));
    sendError(fakeRequest(), fakeReply(), GatewayError.rateLimited(3));
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });
});
