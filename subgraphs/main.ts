/**
 * `npm run subgraph -- NAME`: runs one subgraph until SIGINT/SIGTERM.
 * Variables: `PORT` (default: the subgraph's standard port), `HOST` (default 127.0.0.1),
 * `LOG_LEVEL` (default info), `INTERNAL_JWT_PUBLIC_KEY` (PEM; verifies the gateway's internal tokens;
 * required with `NODE_ENV=production`, else the development key in `DEV_KEYS_DIR`, default `.dev-keys`),
 * `STATS_PORT` (benchmarks: a `GET` there, on 127.0.0.1, answers `{"requests": N}`, the GraphQL
 * requests received so far; unset = no such listener).
 */
import { createServer } from 'node:http';
import { pino } from 'pino';
import { SUBGRAPH_NAMES, isSubgraphName } from './index.js';
import { internalAuthenticate, internalPublicKeysFromEnv } from './shared/internalAuth.js';
import { startSubgraph } from './shared/server.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const name = process.argv[2] ?? '';
if (!isSubgraphName(name)) {
  const expected = `expected one of ${SUBGRAPH_NAMES.join(', ')} (npm run subgraph -- NAME).`;
  fail(
    name === '' ? `Missing subgraph name: ${expected}` : `Unknown subgraph "${name}": ${expected}`,
  );
}
const portText = process.env.PORT;
const port = portText === undefined || portText === '' ? undefined : Number(portText);
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
  fail(`PORT must be an integer 0..65535, got "${portText}".`);
}

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
// Only the gateway may call: its internal tokens, verified with INTERNAL_JWT_PUBLIC_KEY (or the dev key).
let authenticate;
try {
  authenticate = internalAuthenticate(name, internalPublicKeysFromEnv(process.env));
} catch (error) {
  fail(`Subgraph ${name}: ${error instanceof Error ? error.message : String(error)}`);
}
const handle = await startSubgraph(name, {
  port,
  host: process.env.HOST,
  logger,
  authenticate,
}).catch((error: unknown) =>
  fail(
    `Subgraph ${name} failed to start: ${error instanceof Error ? error.message : String(error)}`,
  ),
);

// Benchmarks count what reached the subgraph (bench/subgraphRequests.ts); loopback only.
if (process.env.STATS_PORT)
  createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ requests: handle.stats.requests }));
  })
    .listen(Number(process.env.STATS_PORT), '127.0.0.1')
    .unref();

const stop = (signal: NodeJS.Signals): void => {
  logger.info({ signal }, 'stopping');
  handle.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'stop failed');
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
