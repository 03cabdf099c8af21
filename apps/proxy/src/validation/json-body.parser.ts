import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';

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

/**
 * The proxy's only body parser: JSON in UTF-8 (RFC 8259), nothing else. A body in any other content type, or with
 * no content type, is refused with 400 before any route runs; bytes that are not UTF-8 are refused rather than
 * silently turned into U+FFFD (which would change what the client meant, and what upstream is asked and charged).
 * Parsing itself is Fastify's own, prototype-poisoning protection included.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void) => {
      const problem = unsupportedEncoding(request);
      if (problem !== null) {
        done(GatewayError.invalidRequest(problem));
        return;
      }
      if (!isUtf8(body)) {
        done(GatewayError.invalidRequest('Request body is not valid UTF-8'));
        return;
      }
      parseJson(request, body as unknown as string, done);
    },
  );
}
