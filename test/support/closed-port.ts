import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the kernel hands out ports for `listen(0)` (Linux; the usual default elsewhere). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The URL of a local port nothing listens on: connections to it are refused. It is chosen below the ephemeral range,
 * so that no app a test starts on a free port (`listen(0)`, as every suite does, in parallel) can be given it later.
 */
export async function closedPortUrl(): Promise<string> {
  const [low] = ephemeralRange();
  const floor = Math.max(10_000, low - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = floor + Math.floor(Math.random() * (low - floor));
    if (await isFree(port)) return `http://127.0.0.1:${port}`;
  }
  throw new Error('No free port below the ephemeral range');
}
