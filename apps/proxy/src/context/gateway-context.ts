import type { FastifyRequest } from 'fastify';
import type { ApiKeyAuthRecord, ModelRecord } from '@gw/db';
import type { WireProtocol } from '@gw/common';
import type { ExactEncoding, RequestText } from '@gw/billing';
import type { DeliveredUsage } from '../relay/stream-dialect';

export type GatewayEndpoint = 'chat.completions' | 'embeddings' | 'models' | 'messages' | 'count_tokens';

/** Rate-limit state of this request's key, for the X-RateLimit-* headers. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * Everything the gateway learns about one request as it passes the guards and interceptors. It lives on the Fastify
 * request, so it dies with the request: nothing here is shared between requests or instances.
 */
export interface GatewayContext {
  generationId: string;
  requestId: string;
  /** process.hrtime.bigint() at arrival. */
  startedAt: bigint;
  receivedAt: Date;
  protocol: WireProtocol;
  endpoint?: GatewayEndpoint;
  key?: ApiKeyAuthRecord;
  rateLimit?: RateLimitState;
  /** The model name as the client sent it; responses carry it back unchanged. */
  requestedModel?: string;
  model?: ModelRecord;
  /** The validated request body (read-only: large ones are validated and serialised from their bytes elsewhere). */
  body?: Record<string, unknown>;
  /** The body's size as received, in bytes: a cheap bound on the work it can cost. */
  bodyBytes?: number;
  stream: boolean;
  /** The upstream side of the request, as far as it got. */
  upstream?: { channelId: string; attempts: number; status: number | null; latencyMs: number | null };
  /** Set once the estimate is reserved; the interceptor closes it whatever happens next. */
  hold?: RequestHold;
  /** Streams: what the client has received so far (set by the stream relay, read by the hold's heartbeat). */
  delivered?: () => DeliveredUsage;
  /** Whether this request's usage record is taken care of (by settlement); otherwise onResponse writes it. */
  usageRecorded?: boolean;
  /** The wire type of the error the client got, if any. */
  errorType?: string;
  /** Protocol headers of the client's request passed on to the provider (validated), e.g. anthropic-version. */
  forwardHeaders?: Record<string, string>;
  /** performance.now() marks for the latency metrics (observability/request-telemetry.ts). */
  timing?: RequestTiming;
  /** How the request ended (the usage record's outcome), for the access log. */
  outcome?: string;
  /** Why the request was answered 429, for the throttling metric. */
  throttledBy?: 'rpm' | 'auth_failure';
  /** Why the request was refused to shed load (503), for the shedding metric; such a request writes no usage record. */
  shedBy?: 'event_loop_delay' | 'in_flight' | 'upstream_pool';
}

/** A request's hold, and what the settlement needs to count its input when the provider does not report it. */
export interface RequestHold {
  /** What was reserved (0: a free model, nothing held). */
  amountMicros: bigint;
  /** The input tokens the hold covers (an upper bound, never a charge). */
  inputTokens: number;
  /** The output tokens the hold covers: the limit sent upstream, times the choices. */
  maxOutputTokens: number;
  /** The request's text, and the model's tokenizer if the gateway has it. */
  input: RequestText;
  encoding: ExactEncoding | null;
  /** The input counted for a charge (memoized: a heartbeat and the settlement may both need it). */
  chargedInput?: Promise<number>;
}

/** When the upstream side and the client side of a request reached each step, in performance.now() milliseconds. */
export interface RequestTiming {
  /** The first upstream attempt started. */
  upstreamStartedAt?: number;
  /** The provider's answer was read in full (or the last attempt failed). */
  upstreamEndedAt?: number;
  /** Streams: the first chunk of the provider's stream arrived. */
  upstreamFirstByteAt?: number;
  /** Streams: the first byte went to the client. */
  clientFirstByteAt?: number;
}

/** The request's timing marks, created on first use. */
export function timingOf(gw: GatewayContext): RequestTiming {
  return (gw.timing ??= {});
}

declare module 'fastify' {
  interface FastifyRequest {
    gw: GatewayContext;
  }
}

export function gatewayContext(request: FastifyRequest): GatewayContext {
  return request.gw;
}
