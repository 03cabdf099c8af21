import type { IncomingMessage } from 'node:http';
import { errorCodes, type FastifyInstance, type FastifyRequest, type preParsingHookHandler } from 'fastify';
import { rememberUtf8Length } from '@gw/billing';
import { bodyEncodingProblem, GatewayError, protocolOfUrl, type WireProtocol } from '@gw/common';
import { toGatewayError } from '../context/gateway-errors';
import { gatewayRouteOf } from '../context/request-context';
import { recordBodyProblem, registerBodyProblem } from './body-problem';
import type { RouteBody } from './body-schemas';
import { type BodyBytes, BodyNotReceivedError, joinBlocks, readBody } from './body-reader';
import { parseJsonDocument } from './json-document';
import type { JsonOffload } from './json-offload';
import { rememberSource } from './json-source';

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
 * The schema the route checks its body against, for the worker thread that parses a large one to check it there too
 * (by name: body-schemas.ts). From the route's own declaration, not its path: Gemini's method routes share one path.
 */
function routeBodyOf(request: FastifyRequest): RouteBody | null {
  const route = gatewayRouteOf(request);
  return route?.body === undefined ? null : { schema: route.body.name, protocol: route.protocol };
}

/** Fastify reads no body for these methods, whatever their headers say. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);

/** Fastify's own 415 for a content type it has no parser for, in the gateway's words (a 400, spec/errors.md). */
function unsupportedContentType(): GatewayError {
  return toGatewayError(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE());
}

type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * A problem of the body. On a gateway route it is recorded and the route runs without a body: the request is
 * authenticated and admitted first, then refused for it (validation/body-problem.ts). Elsewhere (unknown routes), and
 * when the body never arrived in full (the client is gone, or the body deadline answered it with a 408), it is
 * answered at once, as Fastify answers a parser's error.
 */
function refuseBody(request: FastifyRequest, done: ParserDone, problem: Error): void {
  if (problem instanceof BodyNotReceivedError || gatewayRouteOf(request) === undefined) {
    done(problem, undefined);
    return;
  }
  recordBodyProblem(request, problem);
  done(null, undefined);
}

/**
 * A content type Fastify cannot even read ("json", a stray byte) is refused by Fastify itself, before any parser, with
 * an immediate 415. On a gateway route it is recorded like any other type but JSON, and the header dropped so that
 * Fastify goes on (to the catch-all parser, which leaves the body unread, when one follows).
 */
const deferUnreadableContentType: preParsingHookHandler = (request, _reply, payload, done) => {
  const contentType = request.headers['content-type'];
  if (
    contentType !== undefined &&
    contentType !== 'application/json' &&
    !BODYLESS_METHODS.has(request.method) &&
    // Fastify's reading of the header: "/" when it is not a media type at all.
    request.mediaType === '/' &&
    gatewayRouteOf(request) !== undefined
  ) {
    recordBodyProblem(request, unsupportedContentType());
    delete request.raw.headers['content-type'];
  }
  done(null, payload);
};

/**
 * The proxy's only body parser: JSON in UTF-8 (RFC 8259), nothing else. A body in any other content type, or with
 * no content type, is refused with 400 (unread), and so is a compressed one or one in another charset (before it is
 * read). Each protocol has its own size limit (413 above it, announced or not). Parsing is
 * validation/json-document.ts (UTF-8, nesting depth, prototype poisoning), on the event loop for small bodies and in a
 * worker thread for large ones (validation/json-offload.ts). On a gateway route these refusals come after
 * authentication and admission (refuseBody).
 */
export function registerJsonBodyParser(
  fastify: FastifyInstance,
  limits: Record<WireProtocol, number>,
  offload: JsonOffload,
): void {
  fastify.removeAllContentTypeParsers();
  registerBodyProblem(fastify);
  fastify.addHook('preParsing', deferUnreadableContentType);
  fastify.addContentTypeParser('application/json', (request: FastifyRequest, payload: IncomingMessage, done: ParserDone) => {
    const problem = bodyEncodingProblem(request.headers);
    if (problem !== null) {
      refuseBody(request, done, GatewayError.invalidRequest(problem));
      return;
    }
    readBody(payload, declaredLength(request), limits[protocolOfUrl(request.url)])
      .then((body) => (offload.offloads(body.length) ? offload.parse(body, routeBodyOf(request)) : parseInPlace(body)))
      .then(
        (value) => done(null, value),
        (error: Error) => refuseBody(request, done, error),
      );
  });
  // Any other content type, or none with a body: left unread. Unknown routes still answer 404, as with no parser.
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload: IncomingMessage, done: ParserDone) => {
    if (request.is404) done(null, undefined);
    else refuseBody(request, done, unsupportedContentType());
  });
}

/** The largest body any protocol accepts (Fastify's own limit, for anything outside this parser). */
export function largestBodyLimit(limits: Record<WireProtocol, number>): number {
  return Math.max(...Object.values(limits));
}
