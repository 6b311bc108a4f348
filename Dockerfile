# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, run the compiled server on Node 24 LTS as a
# non-root user. In a container DATABASE_URL is required (no embedded PostgreSQL there).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY workers ./workers
COPY web ./web
COPY test ./test
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/faena \
    MALLOC_ARENA_MAX=1
WORKDIR /app
RUN mkdir -p /var/lib/faena && chown node:node /var/lib/faena
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/web ./web
# Job-type packages (FAENA_JOB_TYPES) copied into /app/node_modules import 'faena': that name is
# this package, as npm links a local dependency.
RUN ln -s /app /app/node_modules/faena
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Fails fast with a clear message when DATABASE_URL is missing (see src/server.ts).
CMD ["node", "--max-semi-space-size=2", "dist/src/server.js"]
