# One image for the gateway, the three subgraphs and the dev-token helper (docker-compose.yml picks
# the command). It runs compiled JavaScript on the current Node LTS: no TypeScript tooling inside.

# 1. Compile src/, subgraphs/ and scripts/ to dist/ (needs the dev dependencies: typescript).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY subgraphs ./subgraphs
COPY scripts ./scripts
RUN npm run build

# 2. The runtime dependencies only.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. The image: compiled output, runtime dependencies, an unprivileged user.
FROM node:24-slim
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json supergraph.graphql ./
COPY operations ./operations
# why: a named volume mounted here inherits this folder's owner, so the unprivileged user can
# write the shared development keys into it.
RUN mkdir -p /app/.dev-keys && chown node:node /app/.dev-keys
USER node
ENV HOST=0.0.0.0 PORT=4000
EXPOSE 4000
# The gateway and the subgraphs all answer GET /health on $PORT while they serve.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# why: node itself is PID 1 and handles SIGTERM/SIGINT (graceful drain, then exit 0).
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
