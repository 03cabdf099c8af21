import type { Socket } from 'node:net';
import { errorBodyText, protocolOfUrl, WireProtocol } from '../errors/error-body';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import { newGenerationId, newRequestId } from '../ids';

const REQUEST_TARGET = /^[!-~]+ (\/\S*)/;
const REQUEST_TIMEOUT = 'ERR_HTTP_REQUEST_TIMEOUT';
/**
 * After the answer, the connection still reads (and drops) what the client sends for this long before it closes, so
 * that a client still sending its body gets to read the answer instead of a reset.
 */
const LINGER_MS = 1_000;
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout' };

/** The protocol of the request the parser choked on, when its request line is readable; otherwise OpenAI's. */
function protocolOfPacket(packet: unknown): WireProtocol {
  const target = Buffer.isBuffer(packet) ? REQUEST_TARGET.exec(packet.toString('latin1', 0, 512)) : null;
  return target ? protocolOfUrl(target[1]) : 'openai';
}

function answerOf(code: string | undefined): GatewayError {
  if (code === REQUEST_TIMEOUT) {
    return new GatewayError(GatewayErrorCode.TIMEOUT, 'The request was not received in time', { status: 408 });
  }
  // Node counts the request line (URL and query string included) against the same limit as the headers.
  if (code === 'HPE_HEADER_OVERFLOW') return GatewayError.invalidRequest('Request line or headers are too large');
  return GatewayError.invalidRequest('Malformed HTTP request');
}

export type ClientErrorHandler = (error: Error & { code?: string }, socket: Socket) => void;

/** What to do with a request the server's deadlines cut: answer 408 in its protocol's format, or just close. */
export type RequestTimeoutDecision = { action: 'answer'; protocol: WireProtocol } | { action: 'close' };

export interface ClientErrorOptions {
  /** The ids every answer of the app carries, as headers (some protocols name them their own way). */
  responseIds: (protocol: WireProtocol) => Record<string, string>;
  /** A request not received within the server's deadlines; without it, a 408 in the format of its request line. */
  onRequestTimeout?: (socket: Socket) => RequestTimeoutDecision;
}

/**
 * Requests the HTTP parser refuses before Fastify sees them (request line or headers too large, bytes not allowed in
 * a header, conflicting lengths, a broken chunked body) get a 400 in the caller's format, with the app's ids, instead
 * of Node's bare 400/431; a request not received within the server's deadlines gets a 408. The connection is closed
 * after it: its byte stream can no longer be trusted, and a slow client must not keep holding it. Pass the result as
 * Fastify's `clientErrorHandler`.
 */
export function createClientErrorHandler(options: ClientErrorOptions): ClientErrorHandler {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let protocol = protocolOfPacket((error as { rawPacket?: unknown }).rawPacket);
    if (error.code === REQUEST_TIMEOUT && options.onRequestTimeout) {
      const decision = options.onRequestTimeout(socket);
      if (decision.action === 'close') {
        socket.destroy();
        return;
      }
      protocol = decision.protocol;
    }
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const answer = answerOf(error.code);
    const body = errorBodyText(protocol, answer);
    const ids = Object.entries(options.responseIds(protocol))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status]}\r\n` +
        'content-type: application/json\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n' +
        `${ids}\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

/**
 * The generation id and request id every proxy answer carries (spec/errors.md); Anthropic-protocol answers also carry
 * the generation id as `request-id`, where the Anthropic SDK reads a request's id.
 */
export const gatewayResponseIds = (protocol: WireProtocol): Record<string, string> => {
  const generationId = newGenerationId();
  const ids: Record<string, string> = { 'x-chuizi-generation-id': generationId, 'x-request-id': newRequestId() };
  if (protocol === 'anthropic') ids['request-id'] = generationId;
  return ids;
};
