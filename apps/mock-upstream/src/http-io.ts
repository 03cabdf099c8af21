import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export const JSON_CONTENT_TYPE = 'application/json';
/** What Google's APIs send JSON as. */
export const GOOGLE_JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** Collects the request body; `done` is not called when the client goes away first. */
export function readBody(req: IncomingMessage, done: (raw: Buffer | undefined) => void): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  req.on('data', (chunk: Buffer) => {
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  });
  req.on('end', () => done(more === undefined ? first : Buffer.concat(more)));
}

export const INVALID_JSON: unique symbol = Symbol('invalid JSON');

/** Parses a JSON body; an empty or unparsable one is INVALID_JSON. */
export function parseJsonBody(raw: Buffer | undefined): unknown {
  if (raw === undefined || raw.length === 0) return INVALID_JSON;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: OutgoingHttpHeaders): void {
  sendText(res, status, JSON.stringify(body), JSON_CONTENT_TYPE, headers);
}

/** JSON as Google's APIs send it: indented by two spaces. */
export function sendGoogleJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body, null, 2), GOOGLE_JSON_CONTENT_TYPE);
}

export function sendText(
  res: ServerResponse,
  status: number,
  payload: string,
  contentType: string,
  extra?: OutgoingHttpHeaders,
): void {
  if (res.destroyed) return;
  const headers: OutgoingHttpHeaders = { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) };
  res.writeHead(status, extra === undefined ? headers : Object.assign(headers, extra));
  res.end(payload);
}

/** Runs `fn` after `ms`, unless the response closes first (client gone, server closing). */
export function after(res: ServerResponse, ms: number, fn: () => void): void {
  if (ms <= 0) return fn();
  const cancel = (): void => clearTimeout(timer);
  const timer = setTimeout(() => {
    res.off('close', cancel);
    fn();
  }, ms);
  res.once('close', cancel);
}
