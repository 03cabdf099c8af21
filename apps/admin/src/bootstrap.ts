import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createClientErrorHandler, createExpectationHandler, newRequestId } from '@gw/common';
import type { AppConfig } from '@gw/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  bindRequestLogFields,
  registerHttpAccessLog,
  registerMetricsRoute,
  setUpObservability,
  trackInFlightRequests,
  withObservability,
} from '@gw/observability';
import { AdminModule } from './admin.module';
import { registerConsole } from './console/console-static';
import { sendAdminError } from './middleware/error-response';
import { registerAdminJsonBodyParser } from './middleware/json-body.parser';
import { registerRequestId } from './middleware/request-id.hook';
import { setupOpenApi } from './openapi';
import { registerQueueDashboard } from './queues/queue-dashboard';

/** Every staff route lives under this prefix; health probes and the OpenAPI document do not. */
export const ADMIN_PREFIX = 'admin/v1';

/** The id every admin answer carries, for answers written before any hook ran. */
const adminResponseIds = (): Record<string, string> => ({ 'x-request-id': newRequestId() });

/**
 * Builds the admin application exactly as production runs it (main.ts and the end-to-end tests both use this).
 * Refuses to build without ADMIN_TOKEN: nobody could administer the gateway.
 */
export async function createAdminApp(config: AppConfig): Promise<NestFastifyApplication> {
  if (!config.admin.bootstrapToken) {
    throw new Error('ADMIN_TOKEN is not set: the admin app needs the bootstrap admin token to start');
  }
  const adapter = new FastifyAdapter({
    // Shutdown drains itself (observability's graceful-shutdown): requests on open connections are still served.
    return503OnClosing: false,
    // Requests the HTTP parser refuses (a 100 KB query string, malformed headers) still get a JSON error.
    clientErrorHandler: createClientErrorHandler({ responseIds: adminResponseIds }),
    // The client address (failed staff authentications) behind load balancers: TRUST_PROXY, as on the proxy.
    trustProxy: config.admin.trustProxy,
    // URLs the router cannot decode (`%FF`), path parameters over its length limit: the error format too. These
    // requests never reach the onRequest hooks, so the request id is set here.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      reply.header('x-request-id', newRequestId());
      sendAdminError(request, reply, error);
    },
  });
  const observability = setUpObservability('admin', config);
  const app = await NestFactory.create<NestFastifyApplication>(
    withObservability(AdminModule.forRoot(config), observability),
    adapter,
    // Ours instead (UTF-8 JSON, bounded depth): see registerAdminJsonBodyParser.
    { logger: observability.nestLogger, bufferLogs: false, bodyParser: false },
  );
  // An Expect other than 100-continue: a 400 in the error format, not Node's bare 417.
  app.getHttpServer().on('checkExpectation', createExpectationHandler(adminResponseIds));
  const fastify = app.getHttpAdapter().getInstance();
  trackInFlightRequests(fastify, observability.lifecycle);
  registerHttpAccessLog(fastify, observability.logger, (request) => ({
    requestId: request.adminRequestId,
    staffId: request.staff?.id ?? null,
  }));
  registerRequestId(fastify);
  bindRequestLogFields(fastify, (request) => ({ requestId: request.adminRequestId }));
  registerMetricsRoute(fastify, config.ops.metricsToken);
  registerAdminJsonBodyParser(fastify);
  // Errors raised before a route handler runs (body parsing, size limits, content type) reach AdminExceptionFilter
  // too: Nest installs Fastify's error handler at init and routes it through the global filters.

  app.setGlobalPrefix(ADMIN_PREFIX, { exclude: ['healthz', 'readyz'] });
  setupOpenApi(app, config);
  // bull-board at /admin/queues, behind staff authentication (admin role).
  await registerQueueDashboard(app);
  // The staff console at /console (a single-page app over /admin/v1).
  await registerConsole(app, config);
  // No enableShutdownHooks(): Nest would close modules before the HTTP server. main.ts installs the ordered sequence.
  await app.init();
  return app;
}
