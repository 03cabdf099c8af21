import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { protocolOfUrl, WireProtocol } from '@gw/common';

/** How long a client may take to send a request (HEADERS_TIMEOUT_MS, BODY_TIMEOUT_MS). */
export interface ClientDeadlines {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/**
 * Node's own request deadlines, as server options: the headers within `headersTimeoutMs` of the request's first byte,
 * the whole request within `headersTimeoutMs + bodyTimeoutMs`. Node enforces them on a timer
 * (`connectionsCheckingInterval`, 30 s by default, which would let a 2 s deadline run for up to 32 s): it is set to a
 * tenth of the shorter deadline, between 100 ms and 1 s, so that a deadline is enforced within 10% of itself or a
 * second. The check walks the connections still receiving a request, so it costs little. Once a request is received
 * whole, its deadlines no longer apply: a long stream in the other direction is never cut by them.
 */
export function clientDeadlineOptions(deadlines: ClientDeadlines): {
  requestTimeout: number;
  http: { headersTimeout: number; connectionsCheckingInterval: number };
} {
  const shorter = Math.min(deadlines.headersTimeoutMs, deadlines.bodyTimeoutMs);
  return {
    requestTimeout: deadlines.headersTimeoutMs + deadlines.bodyTimeoutMs,
    http: {
      headersTimeout: deadlines.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.floor(shorter / 10))),
    },
  };
}

/** Sockets whose request in progress was already answered (refused before its body was read). */
const answeredEarly = new WeakSet<Socket>();
/** The protocol of the request each socket is receiving, for a 408 in the caller's format. */
const protocols = new WeakMap<Socket, WireProtocol>();
/** Sockets cut because their request did not arrive in time, so that the access log says 408, not 499. */
const cutLate = new WeakSet<Socket>();

/**
 * A request refused before its body was read (no key, load shed) leaves the body on the wire: Node reads and discards
 * it, and the request deadline still bounds how long. If the deadline passes, the client already has its answer, so
 * that connection is closed without a second one.
 */
export function registerClientDeadlineTracking(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.raw.socket) protocols.set(request.raw.socket, protocolOfUrl(request.url));
    done();
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    const socket = request.raw.socket;
    if (!request.raw.complete && socket) {
      answeredEarly.add(socket);
      request.raw.once('end', () => answeredEarly.delete(socket));
    }
    done();
  });
}

/**
 * A connection whose request did not arrive in time: `close` it when its request was answered already, else `answer`
 * it (408) in the protocol of the request it was receiving (OpenAI's when its headers never came).
 */
export function onRequestDeadline(socket: Socket): { action: 'answer' | 'close'; protocol: WireProtocol } {
  cutLate.add(socket);
  return { action: answeredEarly.has(socket) ? 'close' : 'answer', protocol: protocols.get(socket) ?? 'openai' };
}

/** Whether this socket's request was cut by the request deadline (the access log's status is then 408). */
export function wasCutLate(socket: Socket | null | undefined): boolean {
  return !!socket && cutLate.has(socket);
}
