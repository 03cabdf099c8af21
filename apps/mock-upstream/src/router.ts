import type { IncomingMessage } from 'node:http';
import type { Exchange, Handler } from './exchange';
import type { Protocol } from './provider-errors';

export type Method = 'GET' | 'POST';

export interface Route {
  readonly method: Method;
  /** An exact path, or a template with one `{param}` segment, e.g. `/v1beta/models/{model}:generateContent`. */
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

interface Template {
  readonly prefix: string;
  readonly suffix: string;
  readonly route: Route;
}

const PARAM = /^(.*)\{[a-z]+\}(.*)$/;

/**
 * A route is found by exact path, then by template (in the order declared), then method, then `accepts`; the first
 * route declared wins. A template's parameter is any non-empty text, URL-decoded into `x.param`.
 */
export class Router {
  private readonly byPath = new Map<string, Route[]>();
  private readonly templates: Template[] = [];

  constructor(routes: readonly Route[]) {
    for (const r of routes) {
      const template = PARAM.exec(r.path);
      if (template !== null) {
        this.templates.push({ prefix: template[1], suffix: template[2], route: r });
        continue;
      }
      const list = this.byPath.get(r.path);
      if (list === undefined) this.byPath.set(r.path, [r]);
      else list.push(r);
    }
  }

  find(x: Exchange): Route | undefined {
    const { req, path } = x;
    const list = this.byPath.get(path);
    if (list !== undefined) {
      for (const r of list) if (matches(r, req)) return r;
      return undefined;
    }
    for (const { prefix, suffix, route: r } of this.templates) {
      if (path.length <= prefix.length + suffix.length || !path.startsWith(prefix) || !path.endsWith(suffix)) continue;
      if (!matches(r, req)) continue;
      const param = decode(path.slice(prefix.length, path.length - suffix.length));
      if (param === undefined) continue;
      x.param = param;
      return r;
    }
    return undefined;
  }
}

function matches(r: Route, req: IncomingMessage): boolean {
  return r.method === req.method && (r.accepts === undefined || r.accepts(req));
}

function decode(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
