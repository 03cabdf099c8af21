import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@gw/config';
import { AdminModule } from './admin.module';
import { sendAdminError } from './middleware/error-response';
import { registerRequestId } from './middleware/request-id.hook';
import { setupOpenApi } from './openapi';
import { registerQueueDashboard } from './queues/queue-dashboard';

const NEST_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const NEST_LEVEL_OF: Record<string, LogLevel | null> = {
  silent: null,
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'log',
  debug: 'debug',
  trace: 'verbose',
};

/** LOG_LEVEL (pino's names) -> the Nest levels at or above it. */
function nestLogLevels(logLevel: string): LogLevel[] | false {
  const level = NEST_LEVEL_OF[logLevel];
  return level ? NEST_LEVELS.slice(0, NEST_LEVELS.indexOf(level) + 1) : false;
}

/** Every staff route lives under this prefix; health probes and the OpenAPI document do not. */
export const ADMIN_PREFIX = 'admin/v1';

/**
 * Builds the admin application exactly as production runs it (main.ts and the end-to-end tests both use this).
 * Refuses to build without ADMIN_TOKEN: nobody could administer the gateway.
 */
export async function createAdminApp(config: AppConfig): Promise<NestFastifyApplication> {
  if (!config.admin.bootstrapToken) {
    throw new Error('ADMIN_TOKEN is not set: the admin app needs the bootstrap admin token to start');
  }
  const adapter = new FastifyAdapter({ bodyLimit: 1024 * 1024, return503OnClosing: true });
  const app = await NestFactory.create<NestFastifyApplication>(AdminModule.forRoot(config), adapter, {
    logger: nestLogLevels(config.logLevel),
    bufferLogs: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestId(fastify);
  // Errors raised before a route handler runs (body parsing, size limits, content type) get the error format too.
  fastify.setErrorHandler((error, request, reply) => sendAdminError(request, reply, error));

  app.setGlobalPrefix(ADMIN_PREFIX, { exclude: ['healthz', 'readyz'] });
  setupOpenApi(app);
  // bull-board at /admin/queues, behind staff authentication (admin role).
  await registerQueueDashboard(app);
  app.enableShutdownHooks();
  await app.init();
  return app;
}
