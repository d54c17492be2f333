# One image for the gateway, the three subgraphs and the dev-token helper (docker-compose.yml picks
# the command). TypeScript runs through tsx, exactly as `npm run gateway` / `npm run subgraph` do.
# Node 20.19+ is the floor the package declares (engines); 22 and 24 work too.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-slim
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json supergraph.graphql ./
COPY src ./src
COPY subgraphs ./subgraphs
COPY scripts ./scripts
COPY operations ./operations
# why: a named volume mounted here inherits this folder's owner, so the unprivileged user can
# write the shared development keys into it.
RUN mkdir -p /app/.dev-keys && chown node:node /app/.dev-keys
USER node
ENV HOST=0.0.0.0 PORT=4000
EXPOSE 4000
# why: node itself is PID 1 and handles SIGTERM/SIGINT (graceful drain, then exit 0).
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
