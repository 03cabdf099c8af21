import { acceptClientRequestId, freshGenerationId, GatewayError, newRequestId, protocolOfUrl } from '@gw/common';
import type { RequestContext } from '../context/request-context';

/**
 * Stage 1, context: the request's ids and its record, before anything else runs (so every answer, refusals included,
 * carries the ids). The client's X-Request-Id is kept when it is short printable ASCII.
 */
export function openRequestContext(url: string, clientRequestId: unknown): RequestContext {
  return {
    generationId: freshGenerationId(),
    requestId: acceptClientRequestId(clientRequestId) ?? newRequestId(),
    startedAt: process.hrtime.bigint(),
    receivedAt: new Date(),
    protocol: protocolOfUrl(url),
    stream: false,
    timing: {},
  };
}

/**
 * What the HTTP layer lets through and the gateway does not take (400): an HTTP/1.1 request without Host (RFC 9112;
 * Node's own check would answer a bare 400), or a request line naming another major version (the server speaks
 * HTTP/1.x only, and Node's parser would take "HTTP/2.0" as if it were 1.x). Null when the request is fine.
 */
export function transportProblem(httpVersion: string, httpVersionMajor: number, host: string | undefined): GatewayError | null {
  if (httpVersion === '1.1' && host === undefined) return GatewayError.invalidRequest('Missing Host header');
  if (httpVersionMajor !== 1) return GatewayError.invalidRequest(`Unsupported HTTP version ${httpVersion}`);
  return null;
}
