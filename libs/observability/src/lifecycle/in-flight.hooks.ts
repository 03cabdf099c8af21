import type { FastifyInstance } from 'fastify';
import type { Lifecycle } from './lifecycle';

/**
 * Counts every request from arrival until its response is over (finished or cut), which is what shutdown waits for;
 * while draining, answers carry `Connection: close` so that keep-alive clients reconnect elsewhere.
 */
export function trackInFlightRequests(fastify: FastifyInstance, lifecycle: Lifecycle): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    lifecycle.requestStarted();
    reply.raw.once('close', () => lifecycle.requestEnded());
    done();
  });
  closeConnectionsWhileDraining(fastify, lifecycle);
}

/** Answers sent while draining (requests that arrived before it began included) close their connection after them. */
export function closeConnectionsWhileDraining(fastify: FastifyInstance, lifecycle: Lifecycle): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (lifecycle.draining) reply.header('connection', 'close');
    done(null, payload);
  });
}
