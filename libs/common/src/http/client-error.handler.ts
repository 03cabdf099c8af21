import type { Socket } from 'node:net';
import { errorBody, protocolOfUrl, WireProtocol } from '../errors/error-body';
import { GatewayError } from '../errors/gateway-error';
import { newGenerationId, newRequestId } from '../ids';

const REQUEST_TARGET = /^[!-~]+ (\/\S*)/;

/** The protocol of the request the parser choked on, when its request line is readable; otherwise OpenAI's. */
function protocolOfPacket(packet: unknown): WireProtocol {
  const target = Buffer.isBuffer(packet) ? REQUEST_TARGET.exec(packet.toString('latin1', 0, 512)) : null;
  return target ? protocolOfUrl(target[1]) : 'openai';
}

function describe(code: string | undefined): string {
  // Node counts the request line (URL and query string included) against the same limit as the headers.
  if (code === 'HPE_HEADER_OVERFLOW') return 'Request line or headers are too large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'The request was not received in time';
  return 'Malformed HTTP request';
}

export type ClientErrorHandler = (error: Error & { code?: string }, socket: Socket) => void;

/**
 * Requests the HTTP parser refuses before Fastify sees them (request line or headers too large, bytes not allowed in
 * a header, conflicting lengths, a broken chunked body) get a 400 in the caller's format, with `responseIds()` as
 * headers, instead of Node's bare 400/431. The connection is closed after it: its byte stream can no longer be
 * trusted. Pass the result as Fastify's `clientErrorHandler`.
 */
export function createClientErrorHandler(responseIds: () => Record<string, string>): ClientErrorHandler {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const protocol = protocolOfPacket((error as { rawPacket?: unknown }).rawPacket);
    const body = JSON.stringify(errorBody(protocol, GatewayError.invalidRequest(describe(error.code))));
    const ids = Object.entries(responseIds())
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(
      'HTTP/1.1 400 Bad Request\r\n' +
        'content-type: application/json\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n' +
        `${ids}\r\n${body}`,
    );
  };
}

/** The proxy's: the generation id and request id every gateway answer carries (spec/errors.md). */
export const clientErrorHandler: ClientErrorHandler = createClientErrorHandler(() => ({
  'x-chuizi-generation-id': newGenerationId(),
  'x-request-id': newRequestId(),
}));
