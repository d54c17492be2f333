/**
 * `npx tsx bench/cost.ts [--iterations N]`: the per-request cost of operation limits, cost
 * analysis and budgets, in microseconds per operation, measured in-process on the real code paths
 * for the CheckoutScreen of docs/architecture.md: the limits check (cold; a repeated document hits the step's memo),
 * the estimate (uncached and cached), the actual cost over a real-shaped response, and a budget
 * take in process and in Redis (`BENCH_REDIS_URL`, default redis://127.0.0.1:6379, if it answers).
 */
import { Supergraph } from '@apollo/federation-internals';
import { getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/config.js';
import { fetchCost } from '../src/cost/actual.js';
import { createCostEstimator } from '../src/cost/cachedEstimator.js';
import { estimateCost } from '../src/cost/estimate.js';
import { checkLimits } from '../src/limits/checkLimits.js';
import { memoryBucket } from '../src/rateLimit/memoryBucket.js';
import { redisBucket } from '../src/rateLimit/redisBucket.js';
import { prepareSupergraph } from '../src/supergraph/prepare.js';
import { composeFor } from '../test/helpers/stack.js';

const argv = process.argv.slice(2);
const iterations = Number(argv[argv.indexOf('--iterations') + 1] || 20_000);
const CHECKOUT_SCREEN = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;
const url = 'http://127.0.0.1:1/graphql';
const prepared = prepareSupergraph(composeFor({ product: url, user: url, payment: url }));
const schema: GraphQLSchema = Supergraph.build(prepared.gatewaySdl).apiSchema().toGraphQLJSSchema();
const document = parse(CHECKOUT_SCREEN);
const operation = getOperationAST(document)!;
const { limits, cost } = loadConfig({});
const input = { document, schema, index: prepared.index, defaultListSize: cost.defaultListSize };
const product = { name: 'p', price: 1 };
const data = {
  me: {
    name: 'n',
    email: 'e',
    payments: Array.from({ length: 5 }, () => ({ amount: 1, status: 'SUCCEEDED', product })),
  },
  products: Array.from({ length: 10 }, () => ({ ...product, seller: { name: 's' } })),
};

async function measure(name: string, op: () => unknown): Promise<void> {
  for (let i = 0; i < Math.min(2000, iterations); i++) await op(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await op();
  const micros = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  console.log(`| ${name.padEnd(52)} | ${micros.toFixed(2).padStart(8)} |`);
}

console.log(`node ${process.version}, ${iterations} iterations each, CheckoutScreen\n`);
console.log(`| ${'operation'.padEnd(52)} | ${'µs/op'.padStart(8)} |`);
console.log(`|${'-'.repeat(54)}|${'-'.repeat(10)}|`);
await measure('limits: depth, aliases, root fields, directives', () =>
  checkLimits(document, operation, limits),
);
await measure('cost: estimate (uncached)', () => estimateCost(input));
const cached = createCostEstimator();
await measure('cost: estimate (same document and variables)', () => cached(input));
await measure("cost: actual, over one fetch's answer", () =>
  fetchCost({ ...input, variables: {}, data, failed: false }),
);
const policy = { capacity: 1e12, refillPerSecond: 1e9 };
const memory = memoryBucket(policy);
await measure('budget: take, in process', () => memory.take('bench', 31));

const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 0, lazyConnect: true });
redis.on('error', () => undefined);
try {
  await redis.connect();
  const shared = redisBucket(redis, policy, { keyPrefix: `bench:cost:${process.pid}:` });
  const n = Math.min(iterations, 5000);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await shared.take('bench', 31);
  const micros = Number(process.hrtime.bigint() - start) / 1000 / n;
  console.log(
    `| ${'budget: take, Redis (one round trip, sequential)'.padEnd(52)} | ${micros.toFixed(2).padStart(8)} |`,
  );
  await redis.del(`bench:cost:${process.pid}:bench`);
} catch {
  console.log(`(Redis at ${redisUrl} does not answer: Redis take not measured)`);
} finally {
  redis.disconnect();
}
