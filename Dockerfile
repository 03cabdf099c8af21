# syntax=docker/dockerfile:1
# One image for every app (proxy, admin, worker, mock upstream, migrations, seed); the command picks the app
# (see docker-compose.yml). Not built on the development machine (no Docker there): kept correct by reading.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY patches ./patches
COPY prisma ./prisma
# Install scripts are skipped (the image's npm 10 does not read package.json's allowScripts, and Prisma's engine
# download must never run: the client uses the TypeScript query compiler and the CLI its bundled Wasm engine). Our own
# postinstall steps then run explicitly: the adapter patch, and the Prisma client generation (into node_modules/.prisma).
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npx patch-package \
 && npx prisma generate
COPY tsconfig.json .swcrc ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
# Runtime keeps production dependencies only. The prisma CLI (migrations) is one of them, and it loads the TypeScript
# prisma.config.ts with its own bundled loader (prisma -> @prisma/config -> c12 -> jiti), so no devDependency is needed.
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/prisma.config.ts ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/dist ./dist
# Files stay root-owned and read-only to the app; it writes only to stdout/stderr (JSON logs).
USER node
EXPOSE 3000 3001 3002 3900
# Apps drain on SIGTERM (docs/operations.md): give them SHUTDOWN_GRACE_MS plus a margin before a kill
# (`stop_grace_period` in docker-compose.yml, `terminationGracePeriodSeconds` on Kubernetes).
STOPSIGNAL SIGTERM
CMD ["node", "dist/apps/proxy/src/main.js"]
