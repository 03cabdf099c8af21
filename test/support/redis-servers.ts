import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { waitFor } from './wait-for';

const exec = promisify(execFile);

/** A port free now, whose cluster bus port (+10000) is free too. */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (port + 10_000 <= 65_535 && (await listenOnce(port + 10_000).then(() => true, () => false))) return port;
  }
  throw new Error('no free port pair found');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const chosen = (server.address() as AddressInfo).port;
      server.close(() => resolve(chosen));
    });
  });
}

/**
 * A redis-server of a test's own, on a spare port chosen at run time, with its data in a temporary directory: for
 * what must never be done to the shared Redis (flushing it all, restarting it, pausing it, clustering it).
 */
export class RedisServer {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  /** Starts a server; `args` are extra redis-server options (e.g. ['--cluster-enabled', 'yes']). */
  static async start(args: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'gw-redis-')), args);
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Kills the server (SIGKILL: no shutdown save), then starts it again on the same port and directory. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    this.output = '';
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no',
        '--protected-mode', 'no', ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await waitFor(async () => {
        if (this.child!.exitCode !== null) throw new Error(`redis-server exited:\n${this.output}`);
        await probe.connect().catch(() => undefined);
        return (await probe.ping()) === 'PONG';
      }, 15_000, 50);
    } finally {
      probe.disconnect();
    }
  }
}

/**
 * A local Redis Cluster of three masters (no replicas), started by the test on spare ports: redis-server in cluster
 * mode, joined by `redis-cli --cluster create`. stop() kills them and removes their directories.
 */
export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const nodes: RedisServer[] = [];
    const cluster = new RedisCluster(nodes);
    try {
      for (let i = 0; i < masters; i++) {
        nodes.push(await RedisServer.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
          '--cluster-node-timeout', '5000']));
      }
      await exec('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
      await waitFor(async () => {
        const client = new Redis(nodes[0].port, '127.0.0.1');
        try {
          const info = await client.cluster('INFO');
          return /cluster_state:ok/.test(String(info));
        } finally {
          client.disconnect();
        }
      }, 30_000, 100);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** `host:port,host:port,...`, as WALLET_REDIS_CLUSTER_NODES takes them. */
  get seedNodes(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((node) => node.stop()));
  }
}
