import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '@gw/common';
import { proxyMetrics } from '@gw/observability';
import type { GatewayContext } from '../context/gateway-context';

/** Probes and scrapes must answer however busy the instance is. */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** How often the event-loop delay is sampled: the shedding decision holds until the next sample. */
export const EVENT_LOOP_SAMPLE_MS = 500;
export const OVERLOADED_MESSAGE = 'The gateway is overloaded; retry later';

export type ShedReason = NonNullable<GatewayContext['shedBy']>;

/** The 503 of a request refused to shed load (Retry-After: 1, a couple of samples later), counted by reason. */
export function overloaded(gw: GatewayContext | undefined, reason: ShedReason, message = OVERLOADED_MESSAGE): GatewayError {
  proxyMetrics().shed.inc({ reason });
  if (gw) gw.shedBy = reason;
  return GatewayError.unavailable(message, { 'retry-after': '1' });
}

export function isExemptFromShedding(url: string): boolean {
  return EXEMPT_PATHS.has(url.split('?', 1)[0]);
}

/**
 * The first bound of load shedding (docs/upstreams.md, "Load shedding"): while the event loop's mean delay over the
 * last sample exceeds `maxDelayMs`, every new request (probes and scrapes aside) is refused with 503 as soon as its
 * headers are in, before authentication or its body. Event-loop delay measures directly what an admitted request
 * waits for between each of its steps, whatever the mix of short requests and long idle streams; @fastify/under-pressure
 * samples it (its own shedding is not used: this hook answers in the caller's format, with the gateway's ids). The
 * second bound, the number of admitted requests, is AdmissionGuard's. `maxDelayMs` 0 turns this bound off.
 */
export async function registerOverloadShedding(fastify: FastifyInstance, maxDelayMs: number): Promise<void> {
  if (maxDelayMs <= 0) return;
  await fastify.register(underPressure, { sampleInterval: EVENT_LOOP_SAMPLE_MS });
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (fastify.memoryUsage().eventLoopDelay > maxDelayMs && !isExemptFromShedding(request.url)) {
      done(overloaded(request.gw, 'event_loop_delay'));
      return;
    }
    done();
  });
}
