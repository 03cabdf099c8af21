import 'reflect-metadata';
import { loadConfig } from '@gw/config';
import { createProxyApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createProxyApp(config);
  await app.listen(config.ports.proxy, config.host);
  console.log(`proxy listening on http://${config.host}:${config.ports.proxy} (${config.instanceId})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
