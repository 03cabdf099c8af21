import type { FastifyRequest } from 'fastify';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const BASIC = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  return BEARER.exec(request.headers.authorization ?? '')?.[1] ?? null;
}

/**
 * The staff token a request presents: a Bearer token, or the password of HTTP Basic authentication (what a browser
 * sends after its own sign-in prompt; the user name is ignored). Null when there is neither.
 */
export function presentedStaffToken(request: FastifyRequest, options: { basic: boolean }): string | null {
  const bearer = bearerToken(request);
  if (bearer !== null || !options.basic) return bearer;
  const basic = BASIC.exec(request.headers.authorization ?? '');
  if (!basic) return null;
  const credentials = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon >= 0 && colon < credentials.length - 1 ? credentials.slice(colon + 1) : null;
}
