import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@gw/config';
import { createAdminApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createAdminApp(config);
  await app.listen(config.ports.admin, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Tests and the demo read the port from this line (ADMIN_PORT=0 picks a free one).
  console.log(`admin listening on http://${config.host}:${port}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
