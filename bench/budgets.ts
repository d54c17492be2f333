import path from 'node:path';
import { Redis } from 'ioredis';
import { CLUSTER_CONTENDERS } from './cluster.js';
import { startNode, type BenchProcess } from './processes.js';

const root = path.resolve(import.meta.dirname, '..');
const PORT = 5004;
const CLUSTER_PORT = 5007;

/**
 * A cost budget the benchmark's single caller never exhausts: limits, the estimate, the actual
 * cost and the refund all run, nothing is refused (the defaults, 10000 points refilled at 1000 a
 * second, would refuse one client sending a thousand requests a second).
 */
export const UNLIMITED_BUDGET = {
  RATE_LIMIT_CAPACITY: String(Number.MAX_SAFE_INTEGER),
  RATE_LIMIT_REFILL_PER_SECOND: '1000000000',
} as const;

export interface BudgetContender {
  readonly key: 'budgetsRedis' | 'budgetsCluster';
  readonly process: BenchProcess;
  readonly url: string;
}

/**
 * More contenders for `npm run bench`, to price shared budgets: `ours` (field cache off, so every
 * request reaches the subgraphs) with budgets in Redis: one script call to take the estimate and
 * one to refund. `ours + budgets in Redis` (one node, `REDIS_URL`): compare with `ours` (budgets
 * in process); skipped when Redis does not answer at `BENCH_REDIS_URL` (default
 * redis://127.0.0.1:6379). `ours + budgets in Redis Cluster` (`REDIS_CLUSTER_NODES`, when
 * `clusterNodes` is given): compare with the one-node row. Each is skipped with `--no-budgets`,
 * or when `include` refuses its name.
 */
export async function budgetContenders(
  supergraphPath: string,
  devKeysDir: string,
  include: (name: string) => boolean = () => true,
  clusterNodes?: string,
): Promise<BudgetContender[]> {
  if (process.argv.includes('--no-budgets')) return [];
  const start = async (
    key: BudgetContender['key'],
    name: string,
    port: number,
    redis: Record<string, string>,
  ): Promise<BudgetContender> => {
    const url = `http://127.0.0.1:${port}/graphql`;
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      SUPERGRAPH_PATH: supergraphPath,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      DEV_KEYS_DIR: devKeysDir,
      CACHE_ENABLED: 'false',
      ...UNLIMITED_BUDGET,
      ...redis,
      RATE_LIMIT_KEY_PREFIX: `bench:${process.pid}:ratelimit:`,
    };
    const child = await startNode(name, path.join(root, 'src/main.ts'), [], env, url, '0');
    return { key, process: child, url };
  };
  const contenders: BudgetContender[] = [];
  const name = 'ours + budgets in Redis';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (include(name)) {
    if (await answers(redisUrl))
      contenders.push(await start('budgetsRedis', name, PORT, { REDIS_URL: redisUrl }));
    else console.log(`(Redis does not answer at ${redisUrl}: the budgets-in-Redis run is skipped)`);
  }
  if (clusterNodes && include(CLUSTER_CONTENDERS.budgets))
    contenders.push(
      await start('budgetsCluster', CLUSTER_CONTENDERS.budgets, CLUSTER_PORT, {
        REDIS_CLUSTER_NODES: clusterNodes,
      }),
    );
  return contenders;
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
