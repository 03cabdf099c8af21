import { DEFAULT_MOCK_UPSTREAM_PORT, startMockUpstream } from './mock-upstream.server';

function portFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_MOCK_UPSTREAM_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MOCK_UPSTREAM_PORT is not a port: ${raw}`);
  return port;
}

async function main(): Promise<void> {
  const host = process.env.MOCK_UPSTREAM_HOST || '0.0.0.0';
  const mock = await startMockUpstream({
    port: portFromEnv(process.env.MOCK_UPSTREAM_PORT),
    host,
    apiKey: process.env.MOCK_UPSTREAM_API_KEY || undefined,
  });
  process.stdout.write(`mock upstream listening on http://${host}:${mock.port}\n`);
  const stop = (): void => {
    mock.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mock upstream failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
