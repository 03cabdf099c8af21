import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@gw/config';
import { PrismaService, ReservationStatsRepository } from '@gw/db';
import { JobQueue } from '@gw/jobs';
import { WalletInspector } from '@gw/wallet';
import {
  observeWalletBacklog,
  observeWorker,
  registerHttpAccessLog,
  registerMetricsRoute,
  setUpObservability,
  trackInFlightRequests,
  withObservability,
} from '@gw/observability';
import { WorkerModule } from './worker.module';

/** Job states reported by gw_queue_jobs. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

/**
 * Builds the worker exactly as production runs it: the BullMQ worker on the gateway queue plus /healthz, /readyz and
 * /metrics. Boot fails if the processors do not match the jobs this version handles (jobs/handled-jobs.ts).
 */
export async function createWorkerApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ return503OnClosing: false });
  const observability = setUpObservability('worker', config);
  const app = await NestFactory.create<NestFastifyApplication>(
    withObservability(WorkerModule.forRoot(config), observability),
    adapter,
    { logger: observability.nestLogger, bufferLogs: false, abortOnError: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  trackInFlightRequests(fastify, observability.lifecycle);
  registerHttpAccessLog(fastify, observability.logger);
  registerMetricsRoute(fastify, config.ops.metricsToken);

  const queue = app.get(JobQueue);
  const reservations = new ReservationStatsRepository(app.get(PrismaService));
  observeWorker({
    queueCounts: () => queue.queue.getJobCounts(...QUEUE_STATES),
    openReservations: () => reservations.openTotals(),
  });
  const wallet = app.get(WalletInspector);
  observeWalletBacklog(() => wallet.backlog());
  // No enableShutdownHooks(): main.ts installs the ordered sequence (stop taking jobs, finish them, then close).
  await app.init();
  return app;
}
