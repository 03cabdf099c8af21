import type { IncomingHttpHeaders } from 'node:http';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Why a JSON body cannot be read as sent, judged from its headers before a byte of it is read, or null when it can. The
 * gateway neither decompresses nor transcodes: a compressed body, or one declared in a charset other than UTF-8, would
 * be read as something else than what was sent. The proxy and the admin API refuse both with these words (a 400).
 */
export function bodyEncodingProblem(headers: IncomingHttpHeaders): string | null {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return 'Unsupported Content-Encoding: send the body uncompressed';
  }
  const contentType = headers['content-type'];
  if (contentType === undefined || contentType === 'application/json') return null;
  const charset = CHARSET.exec(contentType)?.[1].toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return null;
  return 'Unsupported charset: send JSON in UTF-8';
}
