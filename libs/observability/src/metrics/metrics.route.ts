import type { FastifyInstance } from 'fastify';
import { constantTimeEqual } from '@gw/common';
import { metricsRegistry } from './metrics-registry';

/**
 * `GET /metrics` in Prometheus' text format, straight on Fastify (no Nest guard, pipe or prefix applies). Open unless
 * METRICS_TOKEN is set, in which case scrapers send `Authorization: Bearer <token>`. Nothing secret is ever a label.
 */
const UNAUTHORIZED = JSON.stringify({
  error: { message: 'Invalid metrics token', type: 'authentication_error', code: '401' },
});

export function registerMetricsRoute(fastify: FastifyInstance, token: string | undefined): void {
  fastify.get('/metrics', async (request, reply) => {
    if (token) {
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      if (!match || !constantTimeEqual(match[1], token)) {
        reply.status(401).header('content-type', 'application/json').send(UNAUTHORIZED);
        return reply;
      }
    }
    const text = await metricsRegistry.metrics();
    reply.status(200).header('content-type', metricsRegistry.contentType).send(text);
    return reply;
  });
}
