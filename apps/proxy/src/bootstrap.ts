import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@gw/config';
import { BillingService } from '@gw/billing';
import { registerRequestContext } from './context/request-hooks';
import { clientErrorHandler } from './middleware/client-error.handler';
import { sendError } from './middleware/error-response';
import { buildUsageRow } from './middleware/usage-row';
import { ProxyModule } from './proxy.module';
import { registerJsonBodyParser } from './validation/json-body.parser';

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
    // Requests the HTTP parser refuses still get an error in the caller's format.
    clientErrorHandler,
    // The missing-Host 400 too (context/request-hooks.ts) rather than Node's bare one.
    http: { requireHostHeader: false },
    // The client address (failed-authentication limit) behind load balancers: TRUST_PROXY, default false.
    trustProxy: config.proxy.trustProxy,
  });
  const app = await NestFactory.create<NestFastifyApplication>(ProxyModule.forRoot(config), adapter, {
    logger: ['error', 'warn', 'log'],
    bufferLogs: false,
    // Ours instead (UTF-8 JSON only): see registerJsonBodyParser.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestContext(fastify);
  registerJsonBodyParser(fastify, config.proxy.bodyLimitBytes);

  // Errors raised before a route handler runs (body parsing, size limits, content type) get the protocol's format too.
  fastify.setErrorHandler((error, request, reply) => sendError(request, reply, error));

  // Every authenticated request gets a usage record; billed ones get it with their settlement.
  const billing = app.get(BillingService);
  fastify.addHook('onResponse', (request, reply, done) => {
    const gw = request.gw;
    if (gw?.key && !gw.usageRecorded && reply.statusCode !== 429) {
      billing.recordUnbilled(
        buildUsageRow(gw, {
          status: reply.statusCode,
          // Free requests (model lists, token counts) that succeeded, or anything refused before money moved.
          outcome: reply.statusCode < 400 ? 'completed' : 'rejected',
          errorType: gw.errorType ?? null,
        }),
      );
    }
    done();
  });

  app.enableShutdownHooks();
  await app.init();
  return app;
}
