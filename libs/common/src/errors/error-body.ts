import { googleStatus } from '@gw/translate';

export type WireProtocol = 'openai' | 'anthropic' | 'gemini';

export interface ErrorView {
  status: number;
  type: string;
  message: string;
  headers: Record<string, string>;
}

/** The JSON body of an error in the caller's protocol (spec/errors.md, "Formats"). */
export function errorBody(protocol: WireProtocol, view: Pick<ErrorView, 'status' | 'type' | 'message'>): object {
  if (protocol === 'anthropic') {
    return { type: 'error', error: { type: view.type, message: view.message } };
  }
  if (protocol === 'gemini') {
    return { error: { code: view.status, message: view.message, status: googleStatus(view.status) } };
  }
  return { error: { message: view.message, type: view.type, code: String(view.status) } };
}

/**
 * The one writer of a gateway error's body text, for every path that answers one: a route's exception filter, the
 * hooks and the body parser, the HTTP parser's refusals (written on the raw socket) and a stream's error event.
 */
export function errorBodyText(protocol: WireProtocol, view: Pick<ErrorView, 'status' | 'type' | 'message'>): string {
  return JSON.stringify(errorBody(protocol, view));
}

/**
 * The Responses API's in-stream `error` event (its own shape, not the error body above), as the streams on
 * /v1/responses end with one: `code` is the gateway's error type.
 */
export function responsesErrorEventText(view: Pick<ErrorView, 'type' | 'message'>, sequenceNumber: number): string {
  return JSON.stringify({ type: 'error', code: view.type, message: view.message, param: null, sequence_number: sequenceNumber });
}

/** Whether `url` is `prefix` or lies under it. */
const under = (url: string, prefix: string): boolean => url.startsWith(`${prefix}/`) || url === prefix;

/**
 * Which protocol a URL speaks: `/anthropic/*` is Anthropic, `/gemini/*` Gemini, everything else answers in the OpenAI
 * format.
 */
export function protocolOfUrl(url: string): WireProtocol {
  if (under(url, '/anthropic')) return 'anthropic';
  if (under(url, '/gemini')) return 'gemini';
  return 'openai';
}
