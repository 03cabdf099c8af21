import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBodyText, protocolOfUrl, WireProtocol } from '../errors/error-body';
import { GatewayError } from '../errors/gateway-error';

export type ExpectationHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The server's `checkExpectation` listener: a request whose `Expect` header asks for anything but `100-continue` (the
 * one expectation HTTP/1.1 defines) would get Node's bare 417, with no body and none of the app's ids. It gets a 400
 * (spec/errors.md has no 417: an invalid parameter value) in the caller's format, with the ids, and the connection is
 * closed after it (its body, if any, was never read). Attach it with `server.on('checkExpectation', ...)`.
 */
export function createExpectationHandler(responseIds: (protocol: WireProtocol) => Record<string, string>): ExpectationHandler {
  return (request, response) => {
    const protocol = protocolOfUrl(request.url ?? '/');
    const body = errorBodyText(
      protocol,
      GatewayError.invalidRequest("Unsupported Expect header: only '100-continue' is supported"),
    );
    response.shouldKeepAlive = false;
    response.writeHead(400, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
      ...responseIds(protocol),
    });
    response.end(body);
  };
}
