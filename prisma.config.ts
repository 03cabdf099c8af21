// Prisma CLI configuration.
//
// `engine: 'js'` makes `prisma migrate deploy` / `migrate diff` / `db execute` use the Wasm schema engine that ships
// inside the `prisma` package, talking to PostgreSQL through `@prisma/adapter-pg`. The default ("classic") engine is a
// native binary that the CLI downloads on first use, which fails on machines without internet access. See README
// ("Database and migrations").
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// The local default of .env.example. `prisma generate` (run at install) needs the variable to be set, though it
// never connects; migrate commands connect to whatever it says.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/chuizi';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
