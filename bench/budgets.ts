import path from 'node:path';
import { Redis } from 'ioredis';
import { startNode, type BenchProcess } from './processes.js';

const root = path.resolve(import.meta.dirname, '..');
const PORT = 5004;

/**
 * A cost budget the benchmark's single caller never exhausts: limits, the estimate, the actual
 * cost and the refund all run, nothing is refused (the defaults, 10000 points refilled at 1000 a
 * second, would refuse one client sending a thousand requests a second).
 */
export const UNLIMITED_BUDGET = {
  RATE_LIMIT_CAPACITY: String(Number.MAX_SAFE_INTEGER),
  RATE_LIMIT_REFILL_PER_SECOND: '1000000000',
} as const;

/**
 * One more contender for `npm run bench`, to price shared budgets: `ours` (field cache off, so
 * every request reaches the subgraphs) with `REDIS_URL` set, budgets in Redis: one script call to
 * take the estimate and one to refund. Compare its row with `ours` (budgets in process). Skipped
 * with `--no-budgets`, when `include` refuses its name, or when Redis does not answer at
 * `BENCH_REDIS_URL` (default redis://127.0.0.1:6379).
 */
export async function budgetContenders(
  supergraphPath: string,
  devKeysDir: string,
  include: (name: string) => boolean = () => true,
): Promise<{ process: BenchProcess; url: string }[]> {
  const name = 'ours + budgets in Redis';
  if (process.argv.includes('--no-budgets') || !include(name)) return [];
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await answers(redisUrl))) {
    console.log(`(Redis does not answer at ${redisUrl}: the budgets-in-Redis run is skipped)`);
    return [];
  }
  const url = `http://127.0.0.1:${PORT}/graphql`;
  const env = {
    PORT: String(PORT),
    HOST: '127.0.0.1',
    SUPERGRAPH_PATH: supergraphPath,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    DEV_KEYS_DIR: devKeysDir,
    CACHE_ENABLED: 'false',
    ...UNLIMITED_BUDGET,
    REDIS_URL: redisUrl,
    RATE_LIMIT_KEY_PREFIX: `bench:${process.pid}:ratelimit:`,
  };
  return [
    { process: await startNode(name, path.join(root, 'src/main.ts'), [], env, url, '0'), url },
  ];
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
