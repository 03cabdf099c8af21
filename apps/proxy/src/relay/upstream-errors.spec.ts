import {
  classifyTransportError,
  classifyUpstreamStatus,
  isChannelFault,
  isRetryable,
  providerRetryAfterSeconds,
  UpstreamTimeoutError,
} from './upstream-errors';
import { GatewayError } from '@gw/common';

const limits = { timeoutS: 7, idleTimeoutMs: 2_000 };
const transport = (code: string) => classifyTransportError(Object.assign(new Error(code), { code }), limits) as GatewayError;

describe('upstream error classification', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT'])('%s: 503, retryable, a fault of the channel', (code) => {
    const error = transport(code);
    expect(error.status).toBe(503);
    expect(isRetryable(error)).toBe(true);
    expect(isChannelFault(error)).toBe(true);
  });

  it('a timeout before the headers: 504 naming the model timeout, a fault of the channel', () => {
    const error = classifyTransportError(new UpstreamTimeoutError(7), limits) as GatewayError;
    expect(error.status).toBe(504);
    expect(error.message).toBe('Request timed out after 7 seconds');
    expect(isChannelFault(error)).toBe(true);
  });

  it("a body that stopped sending: 504 with the contract's exact message, naming the idle limit", () => {
    const error = transport('UND_ERR_BODY_TIMEOUT');
    expect(error).toMatchObject({ status: 504, type: 'timeout', message: 'Request timed out after 2 seconds' });
    expect(isChannelFault(error)).toBe(false);
  });

  it('the provider refusing the gateway credential (401): 502 and a fault of the channel, never a client 401', () => {
    const error = classifyUpstreamStatus(401, '{"error":{"message":"bad key"}}', undefined);
    expect(error.status).toBe(502);
    expect(isChannelFault(error)).toBe(true);
  });

  it("Google refusing the gateway's key (400 API_KEY_INVALID): 502 and a fault of the channel too", () => {
    const body = JSON.stringify({
      error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] },
    });
    const error = classifyUpstreamStatus(400, body, undefined);
    expect(error.status).toBe(502);
    expect(isChannelFault(error)).toBe(true);
    expect(classifyUpstreamStatus(400, '{"error":{"message":"contents is not specified"}}', undefined).status).toBe(400);
  });

  // A 3xx was passed on as it came (a 302 with no Location, in the caller's error format).
  it.each([301, 302, 304, 307, 100])('an answered %i is an invalid answer: 502, failed over, not against the channel', (status) => {
    const error = classifyUpstreamStatus(status, '', undefined);
    expect(error).toMatchObject({ status: 502, message: `The upstream provider returned an unexpected status (HTTP ${status})` });
    expect(isRetryable(error)).toBe(true);
    expect(isChannelFault(error)).toBe(false);
  });

  it.each([500, 502, 503, 529, 429])('an answered %i fails over but does not count against the channel', (status) => {
    const error = classifyUpstreamStatus(status, '{}', '3');
    expect(isRetryable(error)).toBe(true);
    expect(isChannelFault(error)).toBe(false);
  });

  it("a provider 4xx keeps its status and message and is not retried", () => {
    const error = classifyUpstreamStatus(422, '{"error":{"message":"messages: too long"}}', undefined);
    expect(error).toMatchObject({ status: 422, message: 'messages: too long' });
    expect(isRetryable(error)).toBe(false);
  });

  it('passes the provider Retry-After on with an overload 503', () => {
    expect(classifyUpstreamStatus(529, '', '12').headers).toEqual({ 'retry-after': '12' });
    expect(classifyUpstreamStatus(503, '', undefined).headers).not.toHaveProperty('retry-after');
  });
});

describe(providerRetryAfterSeconds.name, () => {
  const NOW = Date.parse('2026-12-07T06:00:00Z');

  it('takes delta-seconds, and an HTTP date as the seconds until it (rounded up, never below 0)', () => {
    expect(providerRetryAfterSeconds(' 30 ', '', NOW)).toBe(30);
    expect(providerRetryAfterSeconds('Mon, 07 Dec 2026 06:00:12 GMT', '', NOW)).toBe(12);
    expect(providerRetryAfterSeconds('Mon, 07 Dec 2026 05:59:00 GMT', '', NOW)).toBe(0);
    // Fractional delta-seconds, rounded up (Date.parse would have read "1.5" as a day in 2001).
    expect(providerRetryAfterSeconds('1.5', '', NOW)).toBe(2);
  });

  it("reads Google's RetryInfo from the error body when there is no header (Gemini sends none)", () => {
    const google = JSON.stringify({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7.2s' }],
      },
    });
    expect(providerRetryAfterSeconds(undefined, google, NOW)).toBe(8);
    expect(classifyUpstreamStatus(429, google, undefined).headers).toEqual({ 'retry-after': '8' });
  });

  it('is null when the provider said nothing usable, and at most a day', () => {
    expect(providerRetryAfterSeconds(undefined, '{"error":{"message":"busy"}}', NOW)).toBeNull();
    expect(providerRetryAfterSeconds('soon', '', NOW)).toBeNull();
    expect(providerRetryAfterSeconds('999999999', '', NOW)).toBe(86_400);
  });
});
