import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyReply } from 'fastify';
import type { RequestContext } from '../context/request-context';
import { ClientResponse } from './client-response';

/** A reply as the relays see it: Fastify's, over Node's response. */
function replyOf(raw: ServerResponse): FastifyReply {
  return { raw, hijack: () => undefined, getHeaders: () => ({ 'x-chuizi-generation-id': 'gen-1' }) } as unknown as FastifyReply;
}

/** Sends `head` on a raw connection; resolves with all it received, and whether the server closed it within `waitMs`. */
function exchange(port: number, head: string, waitMs: number): Promise<{ received: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received, closedByServer: false });
    }, waitMs);
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closedByServer: true });
    });
    socket.write(head);
  });
}

describe('ClientResponse streams', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_request: IncomingMessage, raw: ServerResponse) => {
      const client = new ClientResponse(replyOf(raw), { timing: {} } as RequestContext);
      client.start();
      void client.write('data: [DONE]\n\n').then(() => client.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("honour the client's Connection: close (the server closes the connection after the stream)", async () => {
    const { received, closedByServer } = await exchange(port, 'POST / HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n', 2_000);
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(received).toContain('data: [DONE]');
    expect(closedByServer).toBe(true);
  });

  it('keep the connection alive otherwise, with the headers set before the stream', async () => {
    const { received, closedByServer } = await exchange(port, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n', 300);
    expect(received.toLowerCase()).toContain('connection: keep-alive');
    expect(received).toContain('x-chuizi-generation-id: gen-1');
    expect(received).toContain('content-type: text/event-stream; charset=utf-8');
    expect(closedByServer).toBe(false);
  });
});
