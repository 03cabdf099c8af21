import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppLogger,
  closeConnectionsWhileDraining,
  Lifecycle,
  NO_MODEL,
  proxyMetrics,
  QUIET_ROUTES,
  requestSeriesKey,
  statusLabel,
} from '@gw/observability';
import type { RequestContext } from '../context/request-context';
import { wasCutLate } from '../transport/client-deadlines';

/** A client that left before its response was complete (nginx's convention). */
const CLIENT_CLOSED = 499;
/** A request cut because it was not received within the client deadlines (client-error.handler.ts). */
const REQUEST_TIMEOUT = 408;

/**
 * Per request, from arrival until the response is over (finished, or cut by the client): the in-flight count that
 * shutdown waits for, the request metrics, and one access log line. Registered before every other hook, so that a
 * request refused by an early hook is counted and logged too.
 */
export function registerRequestTelemetry(fastify: FastifyInstance, lifecycle: Lifecycle, logger: AppLogger): void {
  const metrics = proxyMetrics();
  fastify.addHook('onRequest', (request, reply, done) => {
    const arrivedAt = performance.now();
    lifecycle.requestStarted();
    metrics.inFlight.inc();
    reply.raw.once('close', () => {
      lifecycle.requestEnded();
      metrics.inFlight.dec();
      // Settlement decides the outcome a moment after the last byte (same tick's promise jobs): read it after them.
      setImmediate(() => record(request, reply, arrivedAt, logger));
    });
    done();
  });
  closeConnectionsWhileDraining(fastify, lifecycle);
}

function record(request: FastifyRequest, reply: FastifyReply, arrivedAt: number, logger: AppLogger): void {
  const gw = request.gw;
  const route = request.routeOptions.url;
  if (!gw || (route !== undefined && QUIET_ROUTES.has(route))) return;
  const metrics = proxyMetrics();
  const finished = reply.raw.writableFinished;
  const status = finished ? reply.raw.statusCode : wasCutLate(request.raw.socket) ? REQUEST_TIMEOUT : CLIENT_CLOSED;
  const totalMs = performance.now() - arrivedAt;
  const protocol = gw.protocol;
  const endpoint = gw.endpoint ?? 'other';
  const stream = gw.stream ? 'true' : 'false';

  const model = gw.model?.id ?? NO_MODEL;
  const statusText = statusLabel(status);
  metrics.requests.inc(requestSeriesKey(protocol, endpoint, model, statusText), { protocol, endpoint, model, status: statusText });
  const series = requestSeriesKey(protocol, endpoint, stream);
  const labels = { protocol, endpoint, stream };
  metrics.duration.observe(series, labels, totalMs / 1000);
  if (status === 429) metrics.throttled.inc({ protocol, reason: gw.throttledBy ?? 'rpm' });

  const timing = gw.timing;
  let upstreamMs: number | null = null;
  if (timing?.upstreamStartedAt !== undefined) {
    upstreamMs = Math.max(0, (timing.upstreamEndedAt ?? performance.now()) - timing.upstreamStartedAt);
    metrics.upstream.observe(series, labels, upstreamMs / 1000);
    metrics.overhead.observe(series, labels, Math.max(0, totalMs - upstreamMs) / 1000);
  }
  let firstByteMs: number | null = null;
  if (gw.stream && timing?.clientFirstByteAt !== undefined) {
    firstByteMs = timing.clientFirstByteAt - arrivedAt;
    metrics.streamFirstByte.observe({ protocol, endpoint }, firstByteMs / 1000);
    if (timing.upstreamFirstByteAt !== undefined) {
      const overhead = Math.max(0, timing.clientFirstByteAt - timing.upstreamFirstByteAt);
      metrics.streamFirstByteOverhead.observe({ protocol, endpoint }, overhead / 1000);
    }
  }

  logger.info(
    {
      access: true,
      generationId: gw.generationId,
      requestId: gw.requestId,
      method: request.method,
      route: route ?? 'unmatched',
      status,
      latencyMs: round(totalMs),
      protocol,
      endpoint: gw.endpoint ?? null,
      stream: gw.stream,
      model: gw.model?.id ?? null,
      keyId: gw.reached?.keyId ?? null,
      accountId: gw.reached?.accountId ?? null,
      outcome: outcomeOf(gw, status, finished),
      errorType: gw.errorType ?? null,
      channel: gw.upstream?.channelId ?? null,
      attempts: gw.upstream?.attempts ?? 0,
      upstreamStatus: gw.upstream?.status ?? null,
      upstreamMs: upstreamMs === null ? null : round(upstreamMs),
      firstByteMs: firstByteMs === null ? null : round(firstByteMs),
    },
    'request',
  );
}

/** The usage record's outcome when the request has one; otherwise what the status says. */
function outcomeOf(gw: RequestContext, status: number, finished: boolean): string {
  if (gw.outcome) return gw.outcome;
  if (!finished) return status === REQUEST_TIMEOUT ? 'rejected' : 'client_aborted';
  if (status === 429) return 'throttled';
  return status < 400 ? 'completed' : 'rejected';
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
