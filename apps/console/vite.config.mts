import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The staff console: a single-page app built into <dist>/console, which the admin app serves at /console
// (apps/admin/src/console/console-static.ts). `npm run build` builds it; `npx vite --config apps/console/vite.config.mts`
// serves it for development, with /admin/v1 proxied to a running admin app (CONSOLE_API_URL, default :3001).
const root = import.meta.dirname;
const repository = resolve(root, '..', '..');

export default defineConfig({
  root,
  base: '/console/',
  publicDir: false,
  logLevel: 'warn',
  // React's automatic JSX runtime; Vite's own transform (Oxc) handles TypeScript and JSX, no plugin needed to build.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: resolve(repository, process.env.GW_DIST_DIR ?? 'dist', 'console'),
    emptyOutDir: true,
    target: 'es2022',
    // The charts library is split into the Usage page's own chunk; the rest (React, Mantine) is one vendor chunk.
    chunkSizeWarningLimit: 900,
    rolldownOptions: {
      // Mantine marks its modules "use client" for React Server Components, which a single-page app has no use for.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  server: {
    proxy: { '/admin/v1': process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:3001' },
  },
});
