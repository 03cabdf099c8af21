import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@gw/config';
import { BillingService } from '@gw/billing';
import { registerRequestContext } from './context/request-hooks';
import { sendError } from './middleware/error-response';
import { buildUsageRow } from './middleware/usage-row';
import { ProxyModule } from './proxy.module';

/**
 * Builds the proxy application exactly as production runs it (main.ts and the end-to-end tests both call this).
 */
export async function createProxyApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.proxy.bodyLimitBytes,
    // Request ids are ours (x-chuizi-generation-id / X-Request-Id), not Fastify's.
    disableRequestLogging: true,
    return503OnClosing: true,
    keepAliveTimeout: 65_000,
  });
  const app = await NestFactory.create<NestFastifyApplication>(ProxyModule.forRoot(config), adapter, {
    logger: ['error', 'warn', 'log'],
    bufferLogs: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestContext(fastify);

  // Errors raised before a route handler runs (body parsing, size limits, content type) get the protocol's format too.
  fastify.setErrorHandler((error, request, reply) => sendError(request, reply, error));

  // Every authenticated request gets a usage record; billed ones get it with their settlement.
  const billing = app.get(BillingService);
  fastify.addHook('onResponse', (request, reply, done) => {
    const gw = request.gw;
    if (gw?.key && !gw.usageRecorded && reply.statusCode !== 429) {
      billing.recordUnbilled(
        buildUsageRow(gw, { status: reply.statusCode, outcome: 'rejected', errorType: gw.errorType ?? null }),
      );
    }
    done();
  });

  app.enableShutdownHooks();
  await app.init();
  return app;
}
