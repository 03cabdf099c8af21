import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '@gw/config';
import { GatewayError } from '@gw/common';
import { sendAdminError } from '../middleware/error-response';
import { CONSOLE_CONTENT_SECURITY_POLICY, renderConsolePage } from './console-page';

export const CONSOLE_PATH = '/console';

/**
 * Where `npm run build` writes the console (vite, apps/console/vite.config.mts): `<dist>/console`, beside
 * `<dist>/apps`; this file runs as `<dist>/apps/admin/src/console/console-static.js`.
 */
export const CONSOLE_BUILD_DIR = join(__dirname, '..', '..', '..', '..', 'console');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // The page is small and names the hashed assets of the current build: always revalidate it.
  'cache-control': 'no-cache',
  'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * Serves the staff console (a single-page app built by vite) at /console: hashed assets from
 * `<dist>/console/assets` with a year-long immutable cache, and the page itself for /console and every client-side
 * route under it. The console is public like any page; everything it shows comes from /admin/v1 with the staff
 * token the user signs in with. Without a build (only swc ran) the API still starts and /console says what is missing.
 */
export async function registerConsole(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const indexFile = join(CONSOLE_BUILD_DIR, 'index.html');
  const page = existsSync(indexFile)
    ? renderConsolePage(readFileSync(indexFile, 'utf8'), { defaultRpm: config.proxy.defaultRpm })
    : null;

  await app.register(fastifyStatic, {
    root: join(CONSOLE_BUILD_DIR, 'assets'),
    prefix: `${CONSOLE_PATH}/assets/`,
    // Swagger UI registers this plugin too: only one of them may decorate the reply.
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: '365d',
    setHeaders: (reply) => void reply.header('x-content-type-options', 'nosniff'),
  });

  const sendPage = (request: FastifyRequest, reply: FastifyReply): void => {
    const lastSegment = request.url.split('?')[0].split('/').pop() ?? '';
    if (!page) {
      return sendAdminError(
        request,
        reply,
        GatewayError.notFound('The console is not built: run `npm run build` and restart the admin app'),
      );
    }
    // A missing file (favicon.ico, a stale asset name) is a 404, not the page: only routes get the page.
    if (lastSegment.includes('.')) {
      return sendAdminError(request, reply, GatewayError.notFound(`No such file: ${lastSegment.slice(0, 100)}`));
    }
    void reply.headers(PAGE_HEADERS).send(page);
  };
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get(CONSOLE_PATH, sendPage);
  fastify.get(`${CONSOLE_PATH}/*`, sendPage);
}
