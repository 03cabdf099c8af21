import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bodyEncodingProblem, exceedsJsonNesting, GatewayError } from '@gw/common';

/** Largest admin request body: the largest legitimate one (a channel with a 4 KB credential) is far below it. */
export const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Deepest nesting of objects and arrays an admin body may have. The deepest DTO is two levels (a model's channel
 * links); the limit only has to stop recursion (validation and transformation walk every level) from blowing the stack.
 */
export const ADMIN_MAX_JSON_DEPTH = 64;

/**
 * The admin API's only JSON body parser: uncompressed UTF-8 JSON (RFC 8259) at most ADMIN_MAX_JSON_DEPTH levels deep,
 * checked in one linear pass before parsing. Bytes that are not UTF-8 are refused rather than silently turned into
 * U+FFFD (which would store something else than what staff sent), and so is a body compressed or declared in another
 * charset, with the proxy's words (bodyEncodingProblem). Parsing itself is Fastify's, prototype-poisoning protection
 * included.
 */
export function registerAdminJsonBodyParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: ADMIN_BODY_LIMIT_BYTES },
    (request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void) => {
      // Before the bytes: a gzip body is not UTF-8 either, and "not valid UTF-8" would not say what to change.
      const encodingProblem = bodyEncodingProblem(request.headers);
      if (encodingProblem !== null) {
        done(GatewayError.invalidRequest(encodingProblem));
        return;
      }
      if (!isUtf8(body)) {
        done(GatewayError.invalidRequest('Request body is not valid UTF-8'));
        return;
      }
      if (exceedsJsonNesting(body, ADMIN_MAX_JSON_DEPTH)) {
        done(
          GatewayError.invalidRequest(
            `Request body is nested too deeply: at most ${ADMIN_MAX_JSON_DEPTH} levels of objects and arrays`,
          ),
        );
        return;
      }
      parseJson(request, body as unknown as string, (error, parsed) => {
        // Fastify's parser refuses a `__proto__` key, or a `constructor` object with a `prototype` key (prototype
        // poisoning), with the same error as broken JSON: "Body is not valid JSON" misled whoever sent valid JSON.
        // Only on that error path: is the JSON itself valid?
        if (error && isValidJson(body)) {
          done(GatewayError.invalidRequest("Invalid field name: '__proto__' and 'constructor.prototype' are not accepted"));
          return;
        }
        done(error, parsed);
      });
    },
  );
}

function isValidJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
