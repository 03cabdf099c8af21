import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { redisVersion } from './redis-tools';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  redis: string;
  commit: string;
  packages: Record<string, string>;
}

function packageVersion(rootDir: string, name: string): string {
  try {
    // Read from node_modules directly: packages with an "exports" map refuse require.resolve of their package.json.
    const path = join(rootDir, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function gitCommit(rootDir: string): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: rootDir, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: rootDir, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes)' : ''}`;
}

async function postgresVersion(databaseUrl: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0].server_version;
  } finally {
    await client.end();
  }
}

export async function machineInfo(rootDir: string, databaseUrl: string, redisUrl: string): Promise<MachineInfo> {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    postgres: await postgresVersion(databaseUrl),
    redis: await redisVersion(redisUrl),
    commit: gitCommit(rootDir),
    packages: Object.fromEntries(
      ['autocannon', 'undici', 'fastify', '@nestjs/core', '@portkey-ai/gateway', '@hono/node-server'].map((name) => [
        name,
        packageVersion(rootDir, name),
      ]),
    ),
  };
}

/** 1-minute load average: on a shared machine, the number that says how much to trust the others. */
export function loadAverage(): number {
  return loadavg()[0];
}
