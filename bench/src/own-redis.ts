import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/**
 * A redis-server of the benchmark's own on a spare port: its CPU is the wallet's alone (the shared Redis serves other
 * work too), measured from /proc. Extra options (e.g. ['--appendonly', 'yes']) go to redis-server.
 */
export class OwnRedis {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(options: string[] = []): Promise<OwnRedis> {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const chosen = (server.address() as AddressInfo).port;
        server.close(() => resolve(chosen));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'gw-bench-redis-'));
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...options],
      { stdio: 'ignore' },
    );
    const redis = new OwnRedis(child, port, dir);
    for (let attempt = 0; attempt < 100; attempt++) {
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return redis;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
    await redis.stop();
    throw new Error('redis-server did not start');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
