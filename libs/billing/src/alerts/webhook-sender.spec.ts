import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { publicOnlyLookup, WebhookError, WebhookSender } from './webhook-sender';

describe(WebhookSender.name, () => {
  let server: Server;
  let url: string;
  const received: { headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        if (request.url === '/redirect') response.writeHead(302, { location: 'http://169.254.169.254/' }).end();
        else response.writeHead(request.url === '/busy' ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs the body as JSON with the given headers and resolves with the status, whatever it is', async () => {
    const sender = new WebhookSender(true);
    try {
      expect(await sender.post(`${url}/ok`, '{"a":1}', { 'x-chuizi-signature': 'sha256=ab' })).toBe(204);
      expect(received.at(-1)).toMatchObject({
        body: '{"a":1}',
        headers: { 'content-type': 'application/json', 'x-chuizi-signature': 'sha256=ab' },
      });
      expect(await sender.post(`${url}/busy`, '{}', {})).toBe(503);
      // A redirect is an answer, not an instruction: never followed.
      expect(await sender.post(`${url}/redirect`, '{}', {})).toBe(302);
    } finally {
      await sender.close();
    }
  });

  it('refuses loopback and private targets unless allowed, before any byte is sent', async () => {
    const sender = new WebhookSender(false);
    const before = received.length;
    try {
      await expect(sender.post(`${url}/ok`, '{}', {})).rejects.toThrow(/loopback or private/);
      await expect(sender.post('http://[::ffff:10.0.0.1]/', '{}', {})).rejects.toThrow(WebhookError);
      expect(received.length).toBe(before);
    } finally {
      await sender.close();
    }
  });

  it('says why when nothing answers', async () => {
    const sender = new WebhookSender(true);
    try {
      await expect(sender.post('http://127.0.0.1:1/', '{}', {})).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await sender.close();
    }
  });

  it('resolves names in the connection itself and refuses one that resolves to a non-public address', async () => {
    const port = (server.address() as AddressInfo).port;
    // A name whose DNS answer is a loopback address (a rebinding attack's second answer, say).
    const sender = new WebhookSender(false, (_name, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]));
    const before = received.length;
    try {
      await expect(sender.post(`http://hooks.test:${port}/ok`, '{}', {})).rejects.toThrow(
        /hooks\.test resolves to a non-public address \(127\.0\.0\.1\)/,
      );
      expect(received.length).toBe(before);
    } finally {
      await sender.close();
    }
    const lookup = publicOnlyLookup((_name, _options, callback) => callback(null, [{ address: '8.8.8.8', family: 4 }]));
    const answer = await new Promise((resolve) => lookup('public.test', {}, (error, address) => resolve({ error, address })));
    expect(answer).toEqual({ error: null, address: '8.8.8.8' });
  });
});
