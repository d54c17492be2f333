/**
 * `npm start`: the whole stack on embedded defaults (three subgraphs, the schema registry on a
 * local folder, the subgraphs' schemas published to it, and the gateway following it; in-process
 * stores, development keys), in one terminal with readable logs. Ctrl-C stops everything.
 * The registry listens on the gateway's port + 100 (4100), or `REGISTRY_PORT`.
 * `--ports GATEWAY,PRODUCT,USER,PAYMENT` moves the stack (default 4000,4001,4002,4003); without it,
 * `PORT` moves the gateway alone.
 */
import path from 'node:path';
import concurrently from 'concurrently';
import { stackPorts } from './stackPorts.js';

const parsed = stackPorts(process.argv.slice(2), process.env);
if (!parsed.ok) {
  console.error(`start: ${parsed.reason}`);
  process.exit(2);
}
const { gateway, product, user, payment } = parsed.ports;
const registry = Number(process.env.REGISTRY_PORT || gateway + 100);
const registryUrl = `http://127.0.0.1:${registry}`;
// Each subgraph's schema, published as its CI would (a no-op when it is current already).
const publish = (['product', 'user', 'payment'] as const)
  .map(
    (name) =>
      `tsx scripts/schema.ts publish --wait 60 --registry ${registryUrl} --subgraph ${name} --schema subgraphs/${name}/schema.graphql --url http://localhost:${parsed.ports[name]}/graphql`,
  )
  .join(' && ');
const pretty = process.stdout.isTTY
  ? '| pino-pretty --colorize --translateTime SYS:HH:MM:ss.l --ignore pid,hostname,service --singleLine'
  : '';
const env = (vars: Record<string, string | number>) => ({
  ...process.env,
  ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])),
});

const { result } = concurrently(
  [
    {
      name: 'product',
      command: `tsx subgraphs/main.ts product ${pretty}`,
      env: env({ PORT: product }),
      prefixColor: 'magenta',
    },
    {
      name: 'user',
      command: `tsx subgraphs/main.ts user ${pretty}`,
      env: env({ PORT: user }),
      prefixColor: 'cyan',
    },
    {
      name: 'payment',
      command: `tsx subgraphs/main.ts payment ${pretty}`,
      env: env({ PORT: payment }),
      prefixColor: 'yellow',
    },
    {
      name: 'registry',
      command: `tsx src/registry/main.ts ${pretty}`,
      env: env({ REGISTRY_PORT: registry, REGISTRY_HOST: '127.0.0.1', REGISTRY_DIR: '.registry' }),
      prefixColor: 'blue',
    },
    {
      name: 'gateway',
      // The subgraphs' schemas are published first, so the gateway starts on the whole graph.
      // why not fatal: a refused publish prints its findings; the gateway serves what is current.
      command: `(${publish} || echo "a publish was refused: the gateway serves the current supergraph") && tsx src/main.ts ${pretty}`,
      env: env({
        PORT: gateway,
        SUPERGRAPH_URL: `${registryUrl}/supergraph`,
        SUPERGRAPH_POLL_MS: 2000,
        SUBGRAPH_PRODUCT_URL: `http://localhost:${product}/graphql`,
        SUBGRAPH_USER_URL: `http://localhost:${user}/graphql`,
        SUBGRAPH_PAYMENT_URL: `http://localhost:${payment}/graphql`,
        // The example header rules (Accept-Language reaches the product subgraph); `HEADER_RULES_PATH=`
        // (empty) turns them off.
        HEADER_RULES_PATH:
          process.env.HEADER_RULES_PATH ??
          path.join(import.meta.dirname, '..', 'deploy', 'header-rules.yaml'),
      }),
      prefixColor: 'green',
    },
  ],
  { prefix: '[{name}]', killOthersOn: ['failure'], restartTries: 0 },
);

result.then(
  () => process.exit(0),
  () => process.exit(1),
);
