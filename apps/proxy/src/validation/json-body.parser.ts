import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { rememberUtf8Length } from '@gw/billing';
import { GatewayError, protocolOfUrl, type WireProtocol } from '@gw/common';
import { type BodyBytes, joinBlocks, readBody } from './body-reader';
import { parseJsonDocument } from './json-document';
import type { JsonOffload } from './json-offload';
import { rememberSource } from './json-source';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** Bodies are read as sent: a compressed one, or one declared in another charset, would be read wrongly. */
function unsupportedEncoding(request: FastifyRequest): string | null {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return 'Unsupported Content-Encoding: send the body uncompressed';
  }
  const contentType = request.headers['content-type'];
  if (contentType === undefined || contentType === 'application/json') return null;
  const charset = CHARSET.exec(contentType)?.[1].toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return null;
  return 'Unsupported charset: send JSON in UTF-8';
}

function declaredLength(request: FastifyRequest): number | null {
  const header = request.headers['content-length'];
  return header === undefined ? null : Number(header);
}

function parseInPlace(body: BodyBytes): unknown {
  const parsed = parseJsonDocument(joinBlocks(body), true);
  if (parsed.problem !== undefined) throw GatewayError.invalidRequest(parsed.problem);
  // Kept for the upstream body: the client's own bytes go upstream when the proxy changes nothing in them, or little.
  if (parsed.source !== undefined) rememberSource(parsed.value as object, parsed.source);
  // Long strings decoded in pieces: the token bound reads their length from here rather than flatten them.
  for (const long of parsed.measured ?? []) rememberUtf8Length(long.holder, long.field, long.text, long.utf8Bytes);
  return parsed.value;
}

/**
 * The proxy's only body parser: JSON in UTF-8 (RFC 8259), nothing else. A body in any other content type, or with
 * no content type, is refused with 400 before any route runs, and so is a compressed one or one in another charset
 * (before it is read). Each protocol has its own size limit (413 above it, announced or not). Parsing is
 * validation/json-document.ts (UTF-8, nesting depth, prototype poisoning), on the event loop for small bodies and in a
 * worker thread for large ones (validation/json-offload.ts).
 */
export function registerJsonBodyParser(
  fastify: FastifyInstance,
  limits: Record<WireProtocol, number>,
  offload: JsonOffload,
): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', (request: FastifyRequest, payload: IncomingMessage, done) => {
    const problem = unsupportedEncoding(request);
    if (problem !== null) {
      done(GatewayError.invalidRequest(problem), undefined);
      return;
    }
    readBody(payload, declaredLength(request), limits[protocolOfUrl(request.url)])
      .then((body) => (offload.offloads(body.length) ? offload.parse(body, request.routeOptions.url ?? null) : parseInPlace(body)))
      .then(
        (value) => done(null, value),
        (error: Error) => done(error, undefined),
      );
  });
}

/** The largest body any protocol accepts (Fastify's own limit, for anything outside this parser). */
export function largestBodyLimit(limits: Record<WireProtocol, number>): number {
  return Math.max(...Object.values(limits));
}
