import type { IncomingMessage } from 'node:http';
import type { Protocol } from './provider-errors';

export type AuthResult = 'ok' | 'missing' | 'invalid';

/**
 * OpenAI takes `Authorization: Bearer`, Anthropic `x-api-key` (or a bearer token). Any credential passes unless the
 * server was started with an `apiKey`, which it must then equal.
 */
export function checkAuth(req: IncomingMessage, protocol: Protocol, apiKey: string | undefined): AuthResult {
  const key = (protocol === 'anthropic' ? apiKeyHeader(req) : undefined) ?? bearerToken(req);
  if (key === undefined) return 'missing';
  return apiKey === undefined || key === apiKey ? 'ok' : 'invalid';
}

function apiKeyHeader(req: IncomingMessage): string | undefined {
  const key = req.headers['x-api-key'];
  return typeof key === 'string' && key !== '' ? key : undefined;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth === undefined || auth.length <= 7 || auth.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = auth.slice(7).trim();
  return token === '' ? undefined : token;
}

export const AUTH_MESSAGES: Readonly<Record<Protocol, Record<Exclude<AuthResult, 'ok'>, string>>> = {
  openai: {
    missing:
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
      '(i.e. Authorization: Bearer YOUR_KEY).',
    invalid: 'Incorrect API key provided.',
  },
  anthropic: {
    missing: 'x-api-key header is required',
    invalid: 'invalid x-api-key',
  },
};
