import type { Socket } from 'node:net';
import { errorBody, GatewayError, newGenerationId, newRequestId, protocolOfUrl, WireProtocol } from '@gw/common';

const REQUEST_TARGET = /^[!-~]+ (\/\S*)/;

/** The protocol of the request the parser choked on, when its request line is readable; otherwise OpenAI's. */
function protocolOfPacket(packet: unknown): WireProtocol {
  const target = Buffer.isBuffer(packet) ? REQUEST_TARGET.exec(packet.toString('latin1', 0, 512)) : null;
  return target ? protocolOfUrl(target[1]) : 'openai';
}

function describe(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return 'Request headers are too large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'The request was not received in time';
  return 'Malformed HTTP request';
}

/**
 * Requests the HTTP parser refuses before Fastify sees them (headers too large, bytes not allowed in a header,
 * conflicting lengths, a broken chunked body) get a 400 in the caller's format with the gateway's ids, instead of
 * Node's bare 400/431. The connection is closed after it: its byte stream can no longer be trusted.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const protocol = protocolOfPacket((error as { rawPacket?: unknown }).rawPacket);
  const body = JSON.stringify(errorBody(protocol, GatewayError.invalidRequest(describe(error.code))));
  const generationId = newGenerationId();
  socket.end(
    'HTTP/1.1 400 Bad Request\r\n' +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n' +
      `x-chuizi-generation-id: ${generationId}\r\n` +
      (protocol === 'anthropic' ? `request-id: ${generationId}\r\n` : '') +
      `x-request-id: ${newRequestId()}\r\n\r\n${body}`,
  );
}
