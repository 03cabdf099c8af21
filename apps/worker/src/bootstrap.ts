import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@gw/config';
import { WorkerModule } from './worker.module';

/**
 * Builds the worker exactly as production runs it: the BullMQ worker on the gateway queue plus /healthz and /readyz.
 * Boot fails if the processors do not match the jobs this version handles (jobs/handled-jobs.ts).
 */
export async function createWorkerApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ return503OnClosing: true });
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule.forRoot(config), adapter, {
    logger: ['error', 'warn', 'log'],
    bufferLogs: false,
    abortOnError: false,
  });
  // SIGTERM: the worker stops taking jobs, finishes the running ones, then the connections close.
  app.enableShutdownHooks();
  await app.init();
  return app;
}
