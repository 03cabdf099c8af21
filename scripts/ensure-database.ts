import { spawnSync } from 'node:child_process';
import { Client } from 'pg';

/** Creates the database named in the URL if it does not exist (connecting to the server's `postgres` database). */
export async function ensureDatabase(databaseUrl: string, options: { recreate?: boolean } = {}): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported database name: ${name}`);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    if (options.recreate) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

/** `prisma migrate deploy` with the offline (Wasm) schema engine configured in prisma.config.ts. */
export function migrateDeploy(databaseUrl: string, cwd = process.cwd()): void {
  const result = spawnSync('npx', ['prisma', 'migrate', 'deploy'], {
    cwd,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`prisma migrate deploy failed:\n${result.stdout}\n${result.stderr}`);
  }
}
