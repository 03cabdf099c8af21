import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@gw/config';
import { createWorkerApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createWorkerApp(config);
  await app.listen(config.ports.worker, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Tests and the demo read the port from this line (WORKER_PORT=0 picks a free one).
  console.log(`worker listening on http://${config.host}:${port} (${config.instanceId})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
