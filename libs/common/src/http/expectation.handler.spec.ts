import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { createExpectationHandler } from './expectation.handler';

/** Sends `request` as raw bytes and reads the whole answer (the server closes the connection after it). */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe(createExpectationHandler.name, () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_request, response) => response.end('handled'));
    server.on('checkExpectation', createExpectationHandler((protocol) => ({ 'x-chuizi-generation-id': `gen-${protocol}` })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  // Node's own answer was a bare 417 without a body or the ids.
  it.each([
    ['/v1/chat/completions', 'openai', { error: { message: "Unsupported Expect header: only '100-continue' is supported", type: 'invalid_request_error', code: '400' } }],
    ['/anthropic/v1/messages', 'anthropic', { type: 'error', error: { type: 'invalid_request_error', message: "Unsupported Expect header: only '100-continue' is supported" } }],
  ])('answers an Expect other than 100-continue on %s with a 400 in its format, with the ids, and closes', async (path, protocol, body) => {
    const answer = await exchange(port, `POST ${path} HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}`);
    const [head, text] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(new RegExp(`\r\nx-chuizi-generation-id: gen-${protocol}\r\n`, 'i'));
    expect(head).toMatch(/\r\nconnection: close/i);
    expect(JSON.parse(text)).toEqual(body);
  });

  it('leaves 100-continue to the server', async () => {
    const answer = await exchange(port, 'POST /v1/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(answer.endsWith('handled')).toBe(true);
  });
});
