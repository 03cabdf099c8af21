import { spawnSync } from 'node:child_process';
import { Client } from 'pg';

/** The same server's URL with another database name. */
export function databaseUrlNamed(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The URL's database name, checked to be safe to quote into a statement. */
function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported database name: ${name}`);
  return name;
}

/** Runs `work` on a connection to the server's `postgres` database, with the name of the URL's database. */
async function withServer(databaseUrl: string, work: (admin: Client, name: string) => Promise<void>): Promise<void> {
  const name = databaseNameOf(databaseUrl);
  const admin = new Client({ connectionString: databaseUrlNamed(databaseUrl, 'postgres') });
  await admin.connect();
  try {
    await work(admin, name);
  } finally {
    await admin.end();
  }
}

/**
 * Creates the database named in the URL if it does not exist (connecting to the server's `postgres` database).
 * `template`: the URL of a database on the same server to copy instead of an empty one; nothing may be connected to it.
 */
export async function ensureDatabase(databaseUrl: string, options: { recreate?: boolean; template?: string } = {}): Promise<void> {
  await withServer(databaseUrl, async (admin, name) => {
    if (options.recreate) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount !== 0) return;
    const copy = options.template ? ` TEMPLATE "${databaseNameOf(options.template)}"` : '';
    await admin.query(`CREATE DATABASE "${name}"${copy}`);
  });
}

/** Drops the database named in the URL, closing whatever is still connected to it. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  await withServer(databaseUrl, async (admin, name) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
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
