import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import type { RequestContext } from '../context/request-context';

/**
 * The client side of a response. For streams (SSE) it takes the response over from Fastify, keeping the headers set
 * so far (generation id, request id, rate-limit state). For every response it reports when the client goes away.
 */
export class ClientResponse {
  private readonly raw: FastifyReply['raw'];
  private readonly gone = new AbortController();

  constructor(
    private readonly reply: FastifyReply,
    private readonly context: RequestContext,
  ) {
    this.raw = reply.raw;
    this.raw.on('close', () => {
      if (!this.raw.writableFinished) this.gone.abort();
    });
  }

  /** Aborted when the client disconnects before the response is complete. */
  get signal(): AbortSignal {
    return this.gone.signal;
  }

  get closed(): boolean {
    return this.gone.signal.aborted || this.raw.destroyed;
  }

  get started(): boolean {
    return this.raw.headersSent;
  }

  start(): void {
    if (this.raw.headersSent) return;
    this.context.timing.clientFirstByteAt = performance.now();
    this.reply.hijack();
    const headers: Record<string, string | string[] | number> = {};
    for (const [name, value] of Object.entries(this.reply.getHeaders())) if (value !== undefined) headers[name] = value;
    this.raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  /** Writes and, when the socket buffer is full, waits for it to drain (or for the client to leave). */
  async write(text: string): Promise<void> {
    if (this.closed) return;
    if (!this.raw.write(text)) {
      await Promise.race([once(this.raw, 'drain'), once(this.gone.signal, 'abort')]).catch(() => undefined);
    }
  }

  end(): void {
    if (!this.raw.writableEnded && !this.raw.destroyed) this.raw.end();
  }
}
