import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpMetrics } from '../metrics/http.metrics';
import { statusLabel } from '../metrics/labels';
import type { AppLogger } from './logger';

/** Probes and scrapes: counted, never access-logged (a load balancer polls them every few seconds). */
export const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One access log line and the HTTP metrics per request, for the admin API and the worker (the proxy has its own, with
 * protocol, model and billing fields). Route is the template ("/admin/v1/keys/:id"), never the raw URL.
 */
export function registerHttpAccessLog(
  fastify: FastifyInstance,
  logger: AppLogger,
  extra: (request: FastifyRequest) => Record<string, unknown> = () => ({}),
): void {
  const metrics = httpMetrics();
  fastify.addHook('onRequest', (request, reply, done) => {
    const startedAt = performance.now();
    reply.raw.once('close', () => {
      const seconds = (performance.now() - startedAt) / 1000;
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.raw.writableFinished ? reply.raw.statusCode : 499;
      metrics.requests.inc({ route, method: request.method, status: statusLabel(status) });
      metrics.duration.observe({ route, method: request.method }, seconds);
      if (QUIET_ROUTES.has(route)) return;
      logger.info(
        { access: true, method: request.method, route, status, latencyMs: Math.round(seconds * 1000), ...extra(request) },
        'request',
      );
    });
    done();
  });
}
