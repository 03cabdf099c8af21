import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import type { RequestContext } from '../context/request-context';

export const EVENT_STREAM = 'text/event-stream; charset=utf-8';

/**
 * The client side of a response. For streams (SSE) it takes the response over from Fastify, keeping the headers set
 * so far (generation id, request id, rate-limit state). For every response it reports when the client goes away.
 */
export class ClientResponse {
  private readonly raw: FastifyReply['raw'];
  private gone = false;
  /** Who waits for the client to leave (the upstream attempt): plain callbacks, cheaper than an AbortSignal's. */
  private readonly goneListeners = new Set<() => void>();
  /** Made on first use only (streams, waits for a connection): most answers never need one. */
  private goneController: AbortController | null = null;

  constructor(
    private readonly reply: FastifyReply,
    private readonly context: RequestContext,
  ) {
    this.raw = reply.raw;
    this.raw.on('close', () => {
      if (this.raw.writableFinished) return;
      this.gone = true;
      this.goneController?.abort();
      for (const listener of this.goneListeners) listener();
      this.goneListeners.clear();
    });
  }

  /** Aborted when the client disconnects before the response is complete. */
  get signal(): AbortSignal {
    if (!this.goneController) {
      this.goneController = new AbortController();
      if (this.gone) this.goneController.abort();
    }
    return this.goneController.signal;
  }

  /** Calls `listener` once if the client disconnects before the response is complete; returns the way to stop listening. */
  onGone(listener: () => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  get closed(): boolean {
    return this.gone || this.raw.destroyed;
  }

  get started(): boolean {
    return this.raw.headersSent;
  }

  /** Takes the response over and sends its headers: an event stream, unless the protocol streams another type. */
  start(contentType: string = EVENT_STREAM): void {
    if (this.raw.headersSent) return;
    this.context.timing.clientFirstByteAt = performance.now();
    this.reply.hijack();
    const headers: Record<string, string | string[] | number> = {};
    for (const [name, value] of Object.entries(this.reply.getHeaders())) if (value !== undefined) headers[name] = value;
    // No Connection header of our own: Node's (keep-alive, or close when the client sent `Connection: close`, spoke
    // HTTP/1.0 or the socket's request count is reached) is the one that matches what the server then does. A forced
    // `keep-alive` made Node keep the connection open after the stream against the client's `Connection: close`.
    this.raw.writeHead(200, {
      ...headers,
      'content-type': contentType,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
  }

  /** Writes and, when the socket buffer is full, waits for it to drain (or for the client to leave). */
  async write(text: string): Promise<void> {
    if (this.closed) return;
    if (!this.raw.write(text)) {
      await Promise.race([once(this.raw, 'drain'), once(this.signal, 'abort')]).catch(() => undefined);
    }
  }

  end(): void {
    if (!this.raw.writableEnded && !this.raw.destroyed) this.raw.end();
  }
}
