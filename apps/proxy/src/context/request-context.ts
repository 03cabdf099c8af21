import type { FastifyRequest } from 'fastify';
import type { AccountId, GenerationId, KeyId, WireProtocol } from '@gw/common';
import type { ApiKeyAuthRecord, ModelRecord } from '@gw/db';
import type { RequestHold } from '@gw/billing';
import type { DeliveredUsage } from '../relay/stream-dialect';
import type { Translation } from '../translate/translation';

export type GatewayEndpoint =
  | 'chat.completions'
  | 'responses'
  | 'embeddings'
  | 'models'
  | 'messages'
  | 'count_tokens'
  | 'generate_content'
  | 'key_info'
  | 'generation';

/** What a proxy route declares (@GatewayRoute): the stages read it, nothing else decides what they do. */
export interface ProxyRoute {
  protocol: WireProtocol;
  endpoint: GatewayEndpoint;
  /** Billable routes reserve an estimate before the upstream call and settle after it. */
  billable: boolean;
  /** Schema the JSON body is validated against; routes with a body name a model in it (resolved and checked). */
  body?: import('../validation/validate-body').BodySchema;
  /** Where the model is named: the body's `model` (the default), or the path (`/models/{model}:method`, Gemini). */
  model?: 'body' | 'path';
  /**
   * Set by routes whose method decides: true, always a stream (Gemini's streamGenerateContent); false, never
   * (generateContent, whose body has no `stream` field: one sent anyway changes nothing). Absent: the body's `stream`.
   */
  stream?: boolean;
}

/**
 * Rate-limit state of this request, for the X-RateLimit-* headers: the request tier (key, account, account x model)
 * with the fewest remaining requests, and the key's tokens per minute when it has a limit (spec/policy.md).
 */
export interface RateLimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
  tokens?: TokenLimitState;
}

/** A key's tokens per minute: its `tpmLimit` and what is left of it in the window. */
export interface TokenLimitState {
  limit: number;
  remaining: number;
}

/**
 * The fields a log line written for a request carries (the access line has them too): its ids, passed explicitly by
 * the line's writer (the proxy keeps no AsyncLocalStorage, bootstrap.ts). Empty before the context stage ran.
 */
export function requestLogFields(context: RequestContext | null | undefined): { generationId?: string; requestId?: string } {
  return context ? { generationId: context.generationId, requestId: context.requestId } : {};
}

/**
 * One request's identity and its record: what the usage row, the metrics and the access log report, whatever stage
 * the request reached. Created by the context stage; the stages' findings are handed on as their own typed outputs
 * (Caller, Admitted, Resolved, Held below), never read back from here. Lives on the Fastify request, dies with it.
 */
export interface RequestContext {
  readonly generationId: GenerationId;
  readonly requestId: string;
  /** process.hrtime.bigint() at arrival. */
  readonly startedAt: bigint;
  readonly receivedAt: Date;
  protocol: WireProtocol;
  endpoint?: GatewayEndpoint;
  /** The furthest stage output this request reached (authenticated callers only). */
  reached?: Caller;
  /** Set once the request entered the reserve stage: from then on the billing stages write its usage record. */
  billed?: true;
  /** The model name as the client sent it, and whether it asked for a stream (known once the body is valid). */
  requestedModel?: string;
  stream: boolean;
  /** The model the request resolved to (also when a later check refused it). */
  model?: ModelRecord;
  /** The upstream side of the request, as far as it got. */
  upstream?: UpstreamRecord;
  /** Streams: what the client has received so far (set by the stream relay, read by the hold's heartbeat). */
  delivered?: () => DeliveredUsage;
  /** performance.now() marks for the latency metrics (observability/request-telemetry.ts). */
  timing: RequestTiming;
  /** How the request ended (the usage record's outcome), for the access log. */
  outcome?: string;
  /** The wire type of the error the client got, if any. */
  errorType?: string;
  /** Why the request was answered 429, for the throttling metric: the tier that refused it, or a blocked address. */
  throttledBy?: 'rpm' | 'account_rpm' | 'model_rpm' | 'tpm' | 'auth_failure';
  /** Why the request was refused to shed load (503), for the shedding metric; such a request writes no usage record. */
  shedBy?: 'event_loop_delay' | 'in_flight' | 'upstream_pool';
}

/** Which channel served the request, after how many attempts, and how its provider answered. */
export interface UpstreamRecord {
  channelId: string;
  attempts: number;
  status: number | null;
  latencyMs: number | null;
}

/** authenticate: who is calling, with a usable key. */
export interface Caller {
  readonly context: RequestContext;
  readonly route: ProxyRoute;
  readonly key: ApiKeyAuthRecord;
  readonly accountId: AccountId;
  readonly keyId: KeyId;
}

/** admit: the caller was let in (in-flight cap, rate limit). */
export interface Admitted extends Caller {
  readonly rateLimit: RateLimitState;
  /**
   * What the request took from its key's tokens per minute (keys with a `tpmLimit`): at admission when its byte bound
   * fitted, else at the reserve stage (Held); handed back on settlement, or when the response closes unbilled.
   */
  readonly tokens?: import('../pipeline/token-limit').TokensTaken;
}

/** resolve: a valid body for a model this key may use, in its provider's protocol, with a channel to take it. */
export interface Resolved extends Admitted {
  /**
   * The validated request body (read-only: large ones are validated and serialised from their bytes elsewhere); for a
   * translated request, the provider's body in its own protocol.
   */
  readonly body: Record<string, unknown>;
  readonly requestedModel: string;
  readonly model: ModelRecord;
  readonly stream: boolean;
  /** Protocol headers of the client's request passed on to the provider (validated), e.g. anthropic-version. */
  readonly forwardHeaders: Readonly<Record<string, string>>;
  /** Set when the model's provider speaks another protocol than the client: the request was translated to it. */
  readonly translation?: Translation;
}

/** reserve: the request's hold is placed; `body` is what goes upstream (its output limit made explicit). */
export interface Held extends Resolved {
  readonly hold: RequestHold;
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

declare module 'fastify' {
  interface FastifyRequest {
    gw: RequestContext;
  }
}

/**
 * The stage output a handler or a later adapter needs. The route's adapters ran before it (the order is fixed by
 * @GatewayRoute), so a missing output is the gateway's own bug: a 500, never a request served half-checked.
 */
export function reachedOf<T extends Caller = Caller>(request: FastifyRequest, has: keyof T = 'key'): T {
  const reached = request.gw.reached;
  if (reached === undefined || !(has in reached)) throw new Error(`the request path did not establish '${String(has)}'`);
  return reached as T;
}

/** Where @GatewayRoute puts the route on the Fastify route's config. */
export const GATEWAY_ROUTE = 'gatewayRoute';

/** The gateway route a request matched (known in onRequest, before the body), or undefined for other routes. */
export function gatewayRouteOf(request: FastifyRequest): ProxyRoute | undefined {
  return (request.routeOptions.config as { [GATEWAY_ROUTE]?: ProxyRoute } | undefined)?.[GATEWAY_ROUTE];
}

/** The route of a request that runs a gateway route's guards (only @GatewayRoute attaches them). */
export function routeOf(request: FastifyRequest): ProxyRoute {
  const route = gatewayRouteOf(request);
  // The path only: a query may carry a key (Gemini's ?key=), and this message is logged.
  if (route === undefined) throw new Error(`${request.url.split('?')[0]} runs the gateway's stages without @GatewayRoute`);
  return route;
}
