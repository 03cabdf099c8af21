import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Protocol, sendProviderError } from './provider-errors';

export type AuthResult = 'ok' | 'missing' | 'invalid';

/**
 * OpenAI takes `Authorization: Bearer`, Anthropic `x-api-key` (or a bearer token), Gemini `x-goog-api-key` or (when
 * that header is absent) the `key` query parameter. Any credential passes unless the server was started with an
 * `apiKey`, which it must then equal.
 */
export function checkAuth(
  req: IncomingMessage,
  query: string,
  protocol: Protocol,
  apiKey: string | undefined,
): AuthResult {
  const key = credential(req, query, protocol);
  if (key === undefined) return 'missing';
  return apiKey === undefined || key === apiKey ? 'ok' : 'invalid';
}

function credential(req: IncomingMessage, query: string, protocol: Protocol): string | undefined {
  switch (protocol) {
    case 'openai':
      return bearerToken(req);
    case 'anthropic':
      return headerValue(req, 'x-api-key') ?? bearerToken(req);
    case 'gemini':
      return headerValue(req, 'x-goog-api-key') ?? queryKey(query);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function queryKey(query: string): string | undefined {
  if (!query.includes('key=')) return undefined;
  const key = new URLSearchParams(query).get('key');
  return key === null || key === '' ? undefined : key;
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
  gemini: {
    missing:
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other " +
      'form of API consumer identity to call this API.',
    invalid: 'API key not valid. Please pass a valid API key.',
  },
};

const GOOGLE_API_KEY_INVALID = {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason: 'API_KEY_INVALID',
  domain: 'googleapis.com',
  metadata: { service: 'generativelanguage.googleapis.com' },
};

/**
 * Refuses a request without a valid credential as its provider does: OpenAI and Anthropic with 401; Google with 403
 * PERMISSION_DENIED for a missing key and 400 INVALID_ARGUMENT (reason API_KEY_INVALID) for a wrong one.
 */
export function sendAuthFailure(res: ServerResponse, protocol: Protocol, result: Exclude<AuthResult, 'ok'>): void {
  const message = AUTH_MESSAGES[protocol][result];
  if (protocol !== 'gemini') {
    return sendProviderError(res, protocol, 401, { message, code: result === 'invalid' ? 'invalid_api_key' : null });
  }
  if (result === 'missing') return sendProviderError(res, protocol, 403, { message });
  sendProviderError(res, protocol, 400, { message, details: [GOOGLE_API_KEY_INVALID] });
}
