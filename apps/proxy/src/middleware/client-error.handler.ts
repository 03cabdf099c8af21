import type { Socket } from 'node:net';
import { errorBody, GatewayError, GatewayErrorCode, newGenerationId, newRequestId, protocolOfUrl, WireProtocol } from '@gw/common';
import { proxyMetrics } from '@gw/observability';
import { onRequestDeadline } from '../transport/client-deadlines';

const REQUEST_TARGET = /^[!-~]+ (\/\S*)/;

/** The protocol of the request the parser choked on, when its request line is readable; otherwise OpenAI's. */
function protocolOfPacket(packet: unknown): WireProtocol {
  const target = Buffer.isBuffer(packet) ? REQUEST_TARGET.exec(packet.toString('latin1', 0, 512)) : null;
  return target ? protocolOfUrl(target[1]) : 'openai';
}

const REQUEST_TIMEOUT = 'ERR_HTTP_REQUEST_TIMEOUT';
/**
 * After the answer, the connection still reads (and drops) what the client sends for this long before it closes, so
 * that a client still sending its body gets to read the answer instead of a reset.
 */
const LINGER_MS = 1_000;

function answerOf(code: string | undefined): GatewayError {
  if (code === REQUEST_TIMEOUT) {
    return new GatewayError(GatewayErrorCode.TIMEOUT, 'The request was not received in time', { status: 408 });
  }
  if (code === 'HPE_HEADER_OVERFLOW') return GatewayError.invalidRequest('Request headers are too large');
  return GatewayError.invalidRequest('Malformed HTTP request');
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout' };

/**
 * Requests the HTTP parser refuses before Fastify sees them (headers too large, bytes not allowed in a header,
 * conflicting lengths, a broken chunked body) get a 400 in the caller's format with the gateway's ids, instead of
 * Node's bare 400/431; a request not received within the client deadlines (HEADERS_TIMEOUT_MS, BODY_TIMEOUT_MS) gets
 * a 408, or nothing when it was already answered. The connection is closed after it: its byte stream can no longer
 * be trusted, and a slow client must not keep holding it.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let protocol: WireProtocol;
  if (error.code === REQUEST_TIMEOUT) {
    proxyMetrics().clientTimeouts.inc();
    const deadline = onRequestDeadline(socket);
    if (deadline.action === 'close') {
      socket.destroy();
      return;
    }
    protocol = deadline.protocol;
  } else {
    protocol = protocolOfPacket((error as { rawPacket?: unknown }).rawPacket);
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const answer = answerOf(error.code);
  const body = JSON.stringify(errorBody(protocol, answer));
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status]}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n' +
      `x-chuizi-generation-id: ${newGenerationId()}\r\n` +
      `x-request-id: ${newRequestId()}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
