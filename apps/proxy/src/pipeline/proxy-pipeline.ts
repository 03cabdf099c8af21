import { applyDecorators, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { AdmitGuard } from '../middleware/admit.guard';
import { AuthenticateGuard } from '../middleware/authenticate.guard';
import { BillingInterceptor } from '../middleware/billing.interceptor';
import { ERROR_FILTER_BY_PROTOCOL } from '../middleware/protocol-exception.filters';
import { ResolveGuard } from '../middleware/resolve.guard';
import { GATEWAY_ROUTE, ProxyRoute } from '../context/request-context';

/**
 * THE REQUEST PATH OF A PROXY ROUTE, IN ORDER. Each stage is a plain class or function in this folder (values in, a
 * typed value out, or a thrown GatewayError), unit-tested on its own; the Fastify hook, Nest guard, interceptor or
 * filter that runs it is a thin adapter, and nothing else on the path decides anything. Each stage hands the next
 * what it established: Caller -> Admitted -> Resolved -> Held (context/request-context.ts). Time per stage:
 * gw_stage_duration_seconds{stage}.
 *
 *  0. (before any stage) load shedding, middleware/load-shedding.ts, Fastify onRequest: 503 + Retry-After while the
 *     event loop lags. Headers and body must arrive within HEADERS_TIMEOUT_MS / BODY_TIMEOUT_MS: 408.
 *  1. context       context.stage.ts, Fastify onRequest (context/request-hooks.ts): the generation and request ids,
 *                   on every answer from here on. Refuses 400: HTTP/1.1 without Host, an HTTP version other than 1.x.
 *  2. authenticate  authenticate.stage.ts: first its presence check, Fastify onRequest before the body is read
 *                   (middleware/key-presence.hook.ts), then AuthenticateGuard once the body is in -> Caller. The
 *                   key comes from the protocol's sources (KEY_SOURCES: headers, Gemini's ?key= too).
 *                   Refuses 401 (no usable key), 429 (address blocked after failed attempts), 503 (Redis down).
 *                   In between, the body parser (validation/json-body.parser.ts) reads the body; what is wrong with
 *                   it (not UTF-8 JSON, too large, another content type, charset or Content-Encoding) is recorded on
 *                   the request, not answered (validation/body-problem.ts). Only a body that never arrived in full
 *                   (client gone; the body deadline's 408 is the HTTP layer's) is answered there, to nobody.
 *  3. admit         admit.stage.ts, AdmitGuard -> Admitted. Refuses 403 first (the client address is not on the
 *                   key's ipAllowlist: client-address.policy.ts; counted in no tier, its X-RateLimit-* the tiers as
 *                   they stand), then 503 (MAX_INFLIGHT_REQUESTS reached),
 *                   429 (requests per minute of the key, of its account, or of its account on the model the request
 *                   names, X-RateLimit-Scope saying which; or a blocked address), 503 (Redis down). Runs before the
 *                   body is validated (so every authenticated answer carries X-RateLimit-*): the model tier reads the
 *                   name from the body (or the Gemini path) and counts the canonical model the catalog resolves it to.
 *                   The same script takes a tokens-per-minute key's estimate (the body's byte bound) when it fits:
 *                   Admitted.tokens, handed back when the response closes unbilled (token-limit.ts).
 *                   Then, admitted and counted (every gateway route): the body's recorded problem, 400 (not UTF-8
 *                   JSON, content type, charset, Content-Encoding) or 413 (too large), the connection then closed.
 *  4. resolve       resolve.stage.ts, ResolveGuard (routes with a body) -> Resolved. Refuses 400 (body, model of the
 *                   wrong kind, Anthropic headers; the model from the body, or the path on Gemini routes), 404
 *                   (unknown model), 403 (model not allowed for the key), 503 (no channel of the model can take a
 *                   request). A model whose provider speaks another protocol: the body is translated to it
 *                   (translate/translation.ts, Resolved.translation), 400 naming a feature the provider cannot honour;
 *                   token counting is translated to the provider's counting request (translate/token-count.ts).
 *  5. reserve       reserve.stage.ts, BillingInterceptor before the handler (billable routes) -> Held.
 *                   Refuses 429 (the key's tokens per minute when the admission could not take them, token-limit.ts:
 *                   X-RateLimit-Scope: tokens, before any hold), 402 (balance short of the hold), 403 (the hold would
 *                   cross the key's daily spending limit; checked by the store with the hold), 503 (billing
 *                   unavailable, or shutting down).
 *  6. relay         the route's handler -> translate/cross-provider.relay.ts: its protocol's relay (openai/,
 *                   anthropic/, gemini/), or translate/ for a translated request (the answer translated back:
 *                   gw_stage_duration_seconds{stage="translate"}), and across providers for a model linked to other
 *                   providers' channels (each provider's request remade from the client's); over relay/ (UpstreamClient,
 *                   the JSON and stream relays; nothing there calls back up): the upstream call and the answer
 *                   streamed or sent back. Refuses what the provider refused (its 4xx, as 400-429),
 *                   502 (invalid answer, connection failure), 504 (timeout), 503 (every channel saturated or open).
 *  7. settle        settle.stage.ts, BillingInterceptor after the handler (billable routes): refuses nothing; charges
 *                   the real usage or releases the hold, writing the usage record (and the tokens used, for a key
 *                   with a tokens-per-minute limit). Other authenticated requests get
 *                   their usage record when the response is over (bootstrap.ts, onResponse).
 *  *. error writer  middleware/error-response.ts (sendError), reached through each protocol's exception filter, the
 *                   global filter (what hooks throw, and the body parser on unknown routes, through Nest's Fastify
 *                   error handler), the
 *                   client-error handler (what the HTTP parser refuses) and, mid-stream, the protocol's error event
 *                   (relay/stream-relay.ts).
 */
export function GatewayRoute(route: ProxyRoute): MethodDecorator {
  return applyDecorators(
    // On the Fastify route, where the hooks that run before the body (and before Nest) find it too.
    RouteConfig({ [GATEWAY_ROUTE]: route }),
    UseFilters(ERROR_FILTER_BY_PROTOCOL[route.protocol]),
    UseGuards(AuthenticateGuard, AdmitGuard, ...(route.body ? [ResolveGuard] : [])),
    ...(route.billable ? [UseInterceptors(BillingInterceptor)] : []),
  );
}
