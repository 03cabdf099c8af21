import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@gw/config';
import { APP_LOGGER, AppLogger, installGracefulShutdown, Lifecycle, logFatalErrors } from '@gw/observability';
import { createAdminApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createAdminApp(config);
  const logger = app.get<AppLogger>(APP_LOGGER);
  logFatalErrors(logger);
  installGracefulShutdown({
    app,
    lifecycle: app.get(Lifecycle),
    logger,
    graceMs: config.ops.shutdownGraceMs,
    delayMs: config.ops.shutdownDelayMs,
  });
  await app.listen(config.ports.admin, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Tests and the demo read the port from this plain line (ADMIN_PORT=0 picks a free one); everything else is JSON.
  console.log(`admin listening on http://${config.host}:${port}`);
}

main().catch((error: unknown) => {
  // Bad configuration (every bad variable listed) or a failed start: plain text on stderr, exit 1.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
