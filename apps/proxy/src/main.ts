import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { HOLD_LEDGER, HoldLedger } from '@gw/billing';
import { GatewayShutdownError } from '@gw/common';
import { loadConfig } from '@gw/config';
import { APP_LOGGER, AppLogger, installGracefulShutdown, Lifecycle, logFatalErrors } from '@gw/observability';
import { createProxyApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createProxyApp(config);
  const logger = app.get<AppLogger>(APP_LOGGER);
  const lifecycle = app.get(Lifecycle);
  logFatalErrors(logger);
  installGracefulShutdown({
    app,
    lifecycle,
    logger,
    graceMs: config.ops.shutdownGraceMs,
    delayMs: config.ops.shutdownDelayMs,
    // Streams still running at the grace limit end with their protocol's error event and settle on what was sent.
    // They are recorded as 'gateway_shutdown', not as the provider's failure.
    cutWork: () => lifecycle.stopInFlight(new GatewayShutdownError()),
    // Every request is over: write their settlements before the pools, PostgreSQL and Redis close.
    afterWork: async () => {
      const open = await app.get<HoldLedger>(HOLD_LEDGER).drain(config.ops.shutdownGraceMs);
      if (open > 0) logger.warn({ open }, 'holds still open at shutdown: the stale sweep will release them');
    },
  });
  await app.listen(config.ports.proxy, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Tests and the demo read the port from this plain line (PROXY_PORT=0 picks a free one); everything else is JSON.
  console.log(`proxy listening on http://${config.host}:${port} (${config.instanceId})`);
}

main().catch((error: unknown) => {
  // Bad configuration (every bad variable listed) or a failed start: plain text on stderr, exit 1.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
