import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendGoogleJson, sendJson } from './http-io';

/** The wire formats the mock speaks; the Responses API shares OpenAI's. */
export type Protocol = 'openai' | 'anthropic' | 'gemini';

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

/** Google's canonical status names by HTTP status, with the message the Gemini API usually gives. */
const GOOGLE_ERRORS: Readonly<Record<number, readonly [status: string, message: string]>> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  401: ['UNAUTHENTICATED', 'Request had invalid authentication credentials.'],
  403: ['PERMISSION_DENIED', 'The caller does not have permission'],
  404: ['NOT_FOUND', 'Requested entity was not found.'],
  409: ['ABORTED', 'The operation was aborted.'],
  429: ['RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'],
  499: ['CANCELLED', 'The operation was cancelled.'],
  500: [
    'INTERNAL',
    'An internal error has occurred. Please retry or report in ' +
      'https://developers.generativeai.google/guide/troubleshooting',
  ],
  501: ['NOT_IMPLEMENTED', 'Method not implemented.'],
  503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  504: ['DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'],
};

function googleKind(status: number): readonly [status: string, message: string] {
  return GOOGLE_ERRORS[status] ?? (status >= 500 ? GOOGLE_ERRORS[500] : GOOGLE_ERRORS[400]);
}

/** Google does not send Retry-After: a 429 says when to retry in its details. */
const GOOGLE_RETRY_INFO = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' };

const RETRY_AFTER: OutgoingHttpHeaders = { 'retry-after': '1' };

function retryHeaders(protocol: Protocol, status: number): OutgoingHttpHeaders | undefined {
  if (protocol === 'gemini') return undefined;
  return status === 429 || status === 503 || status === 529 ? RETRY_AFTER : undefined;
}

export interface ErrorDetails {
  readonly message?: string;
  /** OpenAI only: overrides the status's usual `code`. */
  readonly code?: string | null;
  /** OpenAI only: the request parameter at fault. */
  readonly param?: string | null;
  /** Gemini only: overrides the status's usual `details` (google.rpc messages). */
  readonly details?: readonly object[];
}

/** Answers `status` with the provider's own error body (and `retry-after` where the provider would send one). */
export function sendProviderError(
  res: ServerResponse,
  protocol: Protocol,
  status: number,
  details: ErrorDetails = {},
): void {
  const body = providerErrorBody(protocol, status, details);
  if (protocol === 'gemini') return sendGoogleJson(res, status, body);
  sendJson(res, status, body, retryHeaders(protocol, status));
}

export function providerErrorBody(protocol: Protocol, status: number, details: ErrorDetails = {}): object {
  switch (protocol) {
    case 'openai': {
      const kind = openAiKind(status);
      const code = details.code === undefined ? kind.code : details.code;
      const message = details.message ?? kind.message;
      return { error: { message, type: kind.type, param: details.param ?? null, code } };
    }
    case 'anthropic': {
      const [type, message] = anthropicKind(status);
      return { type: 'error', error: { type, message: details.message ?? message } };
    }
    case 'gemini': {
      const [name, message] = googleKind(status);
      const extra = details.details ?? (status === 429 ? [GOOGLE_RETRY_INFO] : undefined);
      const error = { code: status, message: details.message ?? message, status: name };
      return { error: extra === undefined ? error : { ...error, details: extra } };
    }
  }
}

/** The usual message of a status in a protocol. */
export function usualErrorMessage(protocol: Protocol, status: number): string {
  switch (protocol) {
    case 'openai':
      return openAiKind(status).message;
    case 'anthropic':
      return anthropicKind(status)[1];
    case 'gemini':
      return googleKind(status)[1];
  }
}

/** The error a `mock:status=NNN` marker asks for; its message names the marker, to be recognisable downstream. */
export function sendMarkedError(res: ServerResponse, protocol: Protocol, status: number): void {
  const message = `${usualErrorMessage(protocol, status)} (mock:status=${status})`;
  sendProviderError(res, protocol, status, { message });
}

/** The details of the error a stream fails with mid-answer (`mock:fail_after`): a 500 naming the marker. */
export function streamFailure(protocol: Protocol): ErrorDetails {
  return { message: `${usualErrorMessage(protocol, 500)} (mock:fail_after)` };
}

/** What each provider says about a request body that is not JSON. */
export const INVALID_JSON_MESSAGES: Readonly<Record<Protocol, string>> = {
  openai:
    'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library ' +
    'correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)',
  anthropic: 'There was an issue with your request body: it is not valid JSON.',
  gemini: 'Invalid JSON payload received. Unexpected token.',
};
