import { GatewayError, GatewayErrorCode } from '@gw/common';
import { retryAfterMs } from '../context/retry-after-ms.hook';

/** The client went away: nothing to answer, but the upstream call must be aborted and the request settled. */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/** Our own per-attempt deadline fired (distinct from the client leaving). */
export class UpstreamTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`upstream did not answer within ${seconds} s`);
    this.name = 'UpstreamTimeoutError';
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** The time limits of one upstream attempt. */
export interface AttemptLimits {
  /** Until the response headers: the model's timeout, or UPSTREAM_TIMEOUT_S. */
  timeoutS: number;
  /** Between body chunks once the response has started: STREAM_IDLE_TIMEOUT_MS. */
  idleTimeoutMs: number;
}

/**
 * 504 for a response that stopped sending: the contract's one timeout message (spec/errors.md, `Request timed out
 * after <n> seconds`, held word for word), with the idle limit as <n> rather than the model's timeout.
 */
export function idleTimeout(idleTimeoutMs: number): GatewayError {
  return GatewayError.timeout(idleTimeoutMs / 1000);
}

/**
 * Failures that say the channel itself is unhealthy, and so count against its circuit breaker: it could not be
 * reached, it did not answer in time, or it refused the gateway's credential. A provider that answers, even with a
 * 5xx, an overload status or a malformed body, is alive: that request fails over to the next channel, but the answer
 * does not open the circuit (one client's requests that provoke errors must not take a channel away from everyone).
 */
const CHANNEL_FAULTS = new WeakSet<GatewayError>();

function channelFault(error: GatewayError): GatewayError {
  CHANNEL_FAULTS.add(error);
  return error;
}

export function isChannelFault(error: GatewayError): boolean {
  return CHANNEL_FAULTS.has(error);
}

/** A transport failure of the upstream call -> the error the client gets (spec/proxy.md, "Timeouts and failures"). */
export function classifyTransportError(error: unknown, limits: AttemptLimits): GatewayError | ClientGoneError {
  // Already the client's answer (e.g. the attempt was aborted with one: the gateway is shutting down).
  if (error instanceof GatewayError || error instanceof ClientGoneError) return error;
  if (error instanceof UpstreamTimeoutError) return channelFault(GatewayError.timeout(error.seconds));
  const code = (error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return channelFault(GatewayError.timeout(limits.timeoutS));
  if (code === 'UND_ERR_BODY_TIMEOUT') return idleTimeout(limits.idleTimeoutMs);
  if (code && UNAVAILABLE_CODES.has(code)) {
    return channelFault(GatewayError.unavailable('The upstream provider is unavailable'));
  }
  return new GatewayError(GatewayErrorCode.UPSTREAM_ERROR, 'The upstream provider failed to answer', { cause: error });
}

const POOL_SATURATION = new WeakSet<GatewayError>();

/**
 * Every connection of this instance to the channel's origin stayed busy for UPSTREAM_POOL_QUEUE_TIMEOUT_MS: a 503 the
 * next channel may avoid (it is retryable), which says nothing about the channel's health (never a channel fault).
 */
export function poolSaturated(): GatewayError {
  const error = GatewayError.unavailable('Every connection to the upstream provider is busy; retry later', {
    'retry-after': '1',
  });
  POOL_SATURATION.add(error);
  return error;
}

export function isPoolSaturation(error: GatewayError): boolean {
  return POOL_SATURATION.has(error);
}

/**
 * Whether a failure may be retried on another channel (502, 503, 504), as long as no byte reached the client. A
 * provider 4xx is the client's request: not retried.
 */
export function isRetryable(error: GatewayError): boolean {
  return error.status === 502 || error.status === 503 || error.status === 504;
}

/** The provider's own error message from its error body, if it has one (both protocols nest it in `error`). */
export function providerMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'object' && typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: no message to pass on
  }
  return null;
}

/** The most a provider's delay is passed on as (a day): anything longer is not a delay a client should wait. */
const MAX_RETRY_AFTER_S = 86_400;

/**
 * How long the provider asked to wait, in whole seconds (rounded up), or null when it did not say: its Retry-After
 * header, as delta-seconds or as an HTTP date (RFC 9110, read as the retry-after-ms hook reads the proxy's own), else
 * Google's RetryInfo in the error body (`"retryDelay": "12s"`: Gemini sends no header).
 */
export function providerRetryAfterSeconds(header: string | undefined, body: string, nowMs: number): number | null {
  const headerMs = header === undefined ? null : retryAfterMs(header, nowMs);
  if (headerMs !== null) return Math.min(Math.ceil(headerMs / 1000), MAX_RETRY_AFTER_S);
  const delay = /"retryDelay"\s*:\s*"(\d{1,9}(?:\.\d+)?)s"/.exec(body);
  return delay ? Math.min(Math.ceil(Number(delay[1])), MAX_RETRY_AFTER_S) : null;
}

/**
 * A non-2xx upstream answer -> the client's error. 429/503/529 mean "overloaded": 503 with the provider's
 * Retry-After (providerRetryAfterSeconds). Other 5xx: 502. Other 4xx: the provider's status and message, in the caller's format. Anything below
 * 400 (a redirect: the gateway never follows one) is not an answer the client could use: 502.
 */
export function classifyUpstreamStatus(status: number, body: string, retryAfter: string | undefined): GatewayError {
  if (status < 400) return GatewayError.upstream(`The upstream provider returned an unexpected status (HTTP ${status})`);
  if (status === 429 || status === 503 || status === 529) {
    const seconds = providerRetryAfterSeconds(retryAfter, body, Date.now());
    const headers = seconds === null ? undefined : { 'retry-after': String(seconds) };
    return GatewayError.unavailable('The upstream provider is overloaded; retry later', headers);
  }
  if (status >= 500) return GatewayError.upstream(`The upstream provider returned an error (HTTP ${status})`);
  // The provider refusing the gateway's own credential is our failure, not the client's key: never a client 401. Google
  // says so with a 400 whose details carry the reason API_KEY_INVALID (403 PERMISSION_DENIED is the key's project).
  if (status === 401 || (status === 400 && body.includes('"API_KEY_INVALID"'))) {
    return channelFault(GatewayError.upstream('The upstream provider rejected the gateway credentials'));
  }
  const message = providerMessage(body) ?? `The upstream provider rejected the request (HTTP ${status})`;
  return new GatewayError(GatewayErrorCode.INVALID_REQUEST, message, { status });
}
