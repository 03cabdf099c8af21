import type { IncomingMessage } from 'node:http';
import type { Handler } from './exchange';
import type { Protocol } from './provider-errors';

export type Method = 'GET' | 'POST';

export interface Route {
  readonly method: Method;
  readonly path: string;
  /** What the route is counted under in the stats, e.g. `POST /v1/chat/completions`. */
  readonly key: string;
  /** The provider whose authentication and error format apply; none for the control routes. */
  readonly protocol: Protocol | undefined;
  readonly handle: Handler;
  /** For a path two providers share: whether this route is the one for the request. */
  readonly accepts: ((req: IncomingMessage) => boolean) | undefined;
}

export function route(
  method: Method,
  path: string,
  protocol: Protocol | undefined,
  handle: Handler,
  accepts?: (req: IncomingMessage) => boolean,
): Route {
  return { method, path, key: `${method} ${path}`, protocol, handle, accepts };
}

/** A route is found by path, then method, then `accepts`; the first route declared wins. */
export class Router {
  private readonly byPath = new Map<string, Route[]>();

  constructor(routes: readonly Route[]) {
    for (const r of routes) {
      const list = this.byPath.get(r.path);
      if (list === undefined) this.byPath.set(r.path, [r]);
      else list.push(r);
    }
  }

  find(req: IncomingMessage, path: string): Route | undefined {
    const list = this.byPath.get(path);
    if (list === undefined) return undefined;
    for (const r of list) {
      if (r.method === req.method && (r.accepts === undefined || r.accepts(req))) return r;
    }
    return undefined;
  }
}
