import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import Fastify from 'fastify';
import { Pool } from 'undici';

/**
 * The benchmark's "practical limit": the least a Node gateway can do. Fastify + one keep-alive undici Pool, forwarding
 * POST /v1/chat/completions to the upstream and streaming both bodies through untouched: no auth, no validation, no
 * parsing, no accounting. Whatever our proxy costs beyond this is the price of its features.
 *
 * UPSTREAM_URL (required), PASSTHROUGH_PORT (default 0 = a free port), PASSTHROUGH_HOST (default 127.0.0.1).
 */
const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'content-length', 'accept'];

async function main(): Promise<void> {
  const upstreamUrl = process.env.UPSTREAM_URL;
  if (!upstreamUrl) throw new Error('UPSTREAM_URL is required');
  const upstream = new URL(upstreamUrl);
  const pool = new Pool(upstream.origin, { connections: 512, pipelining: 1, keepAliveTimeout: 30_000 });
  const prefix = upstream.pathname.replace(/\/+$/, '');

  const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
  // Hand the request stream to undici as it arrives instead of parsing the JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post('/v1/chat/completions', async (request, reply) => {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const response = await pool.request({
      method: 'POST',
      path: `${prefix}/v1/chat/completions`,
      headers,
      body: request.body as Readable,
    });
    reply.status(response.statusCode);
    const contentType = response.headers['content-type'];
    if (typeof contentType === 'string') reply.header('content-type', contentType);
    return reply.send(response.body);
  });

  const port = Number(process.env.PASSTHROUGH_PORT ?? 0);
  const host = process.env.PASSTHROUGH_HOST || '127.0.0.1';
  await app.listen({ port, host });
  const bound = (app.server.address() as AddressInfo).port;
  console.log(`passthrough listening on http://${host}:${bound}`);

  const stop = () => {
    app.close().then(
      () => pool.close().then(() => process.exit(0)),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
