# syntax=docker/dockerfile:1
#
# One image for all six services (gateway, order-, inventory-, payment-, logistics- and
# notification-service) and a "tools" image for the one-shot init job (migrations, topics).
# docker-compose.yml builds both; by hand:
#
#   docker build -t seckill-app .                       # the services (default target: runtime)
#   docker run --rm seckill-app node dist/apps/payment-service/src/main.js
#   docker build --target tools -t seckill-tools .      # npm run db:migrate / npm run topics
#
# A service is chosen by its command, `node dist/apps/<service>/src/main.js` (the entry points
# of infra/local/services.ts), so the six services share every layer of one image.
#
# Stages:
#   manifests  every package.json + the lockfile, so the npm layers stay cached until one changes
#   deps       npm ci: every dependency, for building
#   build      npm run prisma:generate (offline, no engine download) + npm run compile (swc -> dist/)
#   tools      the build stage as a non-root user: sources, dev tooling, migrations
#   prod-deps  npm ci --omit=dev: production dependencies only
#   runtime    node + production node_modules + dist/ + prisma/ dirs, non-root (the default)
#
# Plain Dockerfile syntax only (no RUN --mount): the classic builder of docker-compose v1 builds
# it as well as BuildKit does.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
# The root manifest, the workspaces' manifests (apps/*, libs/*) and the lockfile, nothing else:
# this stage re-runs on any change, but its output (and so the npm ci layers) only changes when
# a manifest does.
RUN mkdir -p /manifests \
 && find . -maxdepth 3 -name package.json -not -path './node_modules/*' \
      -exec cp --parents {} /manifests/ \; \
 && cp package-lock.json .npmrc /manifests/

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY --from=manifests /manifests/ ./
# --ignore-scripts: the build needs no install script (swc's and nx's native binaries arrive as
# optional platform packages), and Prisma's would download native engines that this project
# never runs: migrations use the Wasm schema engine, queries use @prisma/adapter-pg.
RUN npm ci --ignore-scripts

# ---------------------------------------------------------------------------------------------
FROM deps AS build
COPY . .
# prisma:generate writes apps/<service>/src/generated/prisma (TypeScript); compile turns apps/
# and libs/ into dist/ with swc, generated clients included. The loop checks every service's entry
# point (the list is kept equal to infra/local/services.ts by infra/compose/compose.spec.ts).
# /out collects what the runtime stage needs.
RUN npm run prisma:generate \
 && npm run compile \
 && for s in gateway order-service inventory-service payment-service logistics-service notification-service; do \
      test -f "dist/apps/$s/src/main.js" || { echo "build: dist/apps/$s/src/main.js is missing" >&2; exit 1; }; \
    done \
 && mkdir -p /out \
 && cp -r dist /out/dist \
 && find apps -mindepth 2 -maxdepth 2 -type d -name prisma -exec cp -r --parents {} /out/ \;

# ---------------------------------------------------------------------------------------------
# The init job's image (docker-compose.yml: service "init"): npm run db:migrate -- deploy and
# npm run topics run from sources through @swc-node/register, with the dev dependencies they need
# (the Wasm schema engine among them). Root-owned files, run as the unprivileged "node" user.
FROM build AS tools
USER node
CMD ["npm", "run", "--silent", "db:migrate", "--", "--help"]

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY --from=manifests /manifests/ ./
# --omit=optional as well as dev: the Prisma CLI is an optional peer of @prisma/client, and npm
# keeps such "devOptional" packages unless both are omitted. The only other optional package is
# pg-cloudflare (Cloudflare Workers only). No production dependency has an install script.
RUN npm ci --omit=dev --omit=optional --ignore-scripts \
 && npm cache clean --force

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=build /out/ ./
USER node
# gateway 3000, order-service 3001, inventory-service 3002, payment-service 3003,
# logistics-service 3004, notification-service 3005 (infra/local/services.ts).
EXPOSE 3000 3001 3002 3003 3004 3005
# Compose gives every service its own command; this default runs the gateway.
CMD ["node", "dist/apps/gateway/src/main.js"]
