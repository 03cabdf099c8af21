import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendJson } from './http-io';

export type Protocol = 'openai' | 'anthropic';

interface OpenAiErrorKind {
  readonly type: string;
  readonly code: string | null;
  readonly message: string;
}

const OPENAI_ERRORS: Readonly<Record<number, OpenAiErrorKind>> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: null, message: 'You are not allowed to sample from this model.' },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist or you do not have access to it.',
  },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

function openAiKind(status: number): OpenAiErrorKind {
  return (
    OPENAI_ERRORS[status] ??
    (status >= 500
      ? { type: 'server_error', code: null, message: 'The server had an error while processing your request.' }
      : { type: 'invalid_request_error', code: null, message: 'Invalid request.' })
  );
}

const ANTHROPIC_ERRORS: Readonly<Record<number, readonly [type: string, message: string]>> = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'The requested resource could not be found.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of requests has exceeded your rate limit.'],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
};

function anthropicKind(status: number): readonly [type: string, message: string] {
  return ANTHROPIC_ERRORS[status] ?? (status >= 500 ? ['api_error', 'Internal server error'] : ANTHROPIC_ERRORS[400]);
}

const RETRY_AFTER: OutgoingHttpHeaders = { 'retry-after': '1' };

function retryHeaders(status: number): OutgoingHttpHeaders | undefined {
  return status === 429 || status === 503 || status === 529 ? RETRY_AFTER : undefined;
}

export interface ErrorDetails {
  readonly message?: string;
  /** OpenAI only: overrides the status's usual `code`. */
  readonly code?: string | null;
}

/** Answers `status` with the provider's own error body (and `retry-after` where the provider would send one). */
export function sendProviderError(
  res: ServerResponse,
  protocol: Protocol,
  status: number,
  details: ErrorDetails = {},
): void {
  sendJson(res, status, providerErrorBody(protocol, status, details), retryHeaders(status));
}

export function providerErrorBody(protocol: Protocol, status: number, details: ErrorDetails = {}): object {
  if (protocol === 'openai') {
    const kind = openAiKind(status);
    const code = details.code === undefined ? kind.code : details.code;
    return { error: { message: details.message ?? kind.message, type: kind.type, param: null, code } };
  }
  const [type, message] = anthropicKind(status);
  return { type: 'error', error: { type, message: details.message ?? message } };
}

/** The error a `mock:status=NNN` marker asks for; its message names the marker, to be recognisable downstream. */
export function sendMarkedError(res: ServerResponse, protocol: Protocol, status: number): void {
  const usual = protocol === 'openai' ? openAiKind(status).message : anthropicKind(status)[1];
  sendProviderError(res, protocol, status, { message: `${usual} (mock:status=${status})` });
}

/** What each provider says about a request body that is not JSON. */
export const INVALID_JSON_MESSAGES: Readonly<Record<Protocol, string>> = {
  openai:
    'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library ' +
    'correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)',
  anthropic: 'There was an issue with your request body: it is not valid JSON.',
};
