import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@gw/config';
import { APP_LOGGER, AppLogger, installGracefulShutdown, Lifecycle, logFatalErrors } from '@gw/observability';
import { createWorkerApp } from './bootstrap';
import { GatewayWorker } from './jobs/gateway-worker';
import { LedgerWriterRunner } from './wallet/ledger-writer.runner';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createWorkerApp(config);
  const logger = app.get<AppLogger>(APP_LOGGER);
  const worker = app.get(GatewayWorker);
  const ledgerWriter = app.get(LedgerWriterRunner);
  logFatalErrors(logger);
  installGracefulShutdown({
    app,
    lifecycle: app.get(Lifecycle),
    logger,
    graceMs: config.ops.shutdownGraceMs,
    delayMs: config.ops.shutdownDelayMs,
    // Stop taking jobs and finish the running ones (and the ledger writer's batch); past the grace period, let go of
    // them (job locks lapse and another worker retries them; a batch left pending is claimed by another writer).
    finishWork: async () => {
      await Promise.all([worker.stop(), ledgerWriter.stop()]);
    },
    cutWork: () => worker.abandonRunningJobs(),
  });
  await app.listen(config.ports.worker, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Tests and the demo read the port from this plain line (WORKER_PORT=0 picks a free one); everything else is JSON.
  console.log(`worker listening on http://${config.host}:${port} (${config.instanceId})`);
}

main().catch((error: unknown) => {
  // Bad configuration (every bad variable listed) or a failed start: plain text on stderr, exit 1.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
