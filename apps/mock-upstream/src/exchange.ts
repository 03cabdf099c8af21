import type { IncomingMessage, ServerResponse } from 'node:http';

export class Exchange {
  /** The parsed JSON body (null when the request has none). */
  body: unknown = null;
  /** Set when the mock itself breaks the connection, so that it is not counted as a client abort. */
  dropped = false;
  /** The URL-decoded `{param}` of a templated route (the model of a Gemini route). */
  param = '';

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly path: string,
    readonly query: string,
  ) {}

  /** Sends `last`, then breaks the connection without finishing the response, like an upstream dying mid-stream. */
  dropAfter(last: string): void {
    this.dropped = true;
    // Destroying at once would discard what is still corked in the response; wait until it is flushed.
    this.res.write(last, () => this.res.destroy());
  }
}

export type Handler = (x: Exchange) => void;
