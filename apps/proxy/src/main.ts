import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@gw/config';
import { createProxyApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createProxyApp(config);
  await app.listen(config.ports.proxy, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Tests and the demo read the port from this line (PROXY_PORT=0 picks a free one).
  console.log(`proxy listening on http://${config.host}:${port} (${config.instanceId})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
