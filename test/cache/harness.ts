import { waitFor } from '../helpers/waitFor.js';
import { pino } from 'pino';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  keysMatching,
  ON_TEST_CLUSTER,
  testRedisClient,
  testRedisEnv,
  uniquePrefix,
} from '../helpers/redis.js';
import type { SubgraphName } from '../../subgraphs/shared/names.js';

export const ADMIN_TOKEN = 'cache-admin-token-for-tests';

export const CHECKOUT_SCREEN = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;

export interface CacheStack extends Stack {
  /** The cache's Redis key prefix (unique per stack). */
  readonly prefix: string;
}

/**
 * The real stack with the cache on the test Redis (one node, or the `cluster` project's cluster)
 * under a unique prefix (rate limits too). On the cluster, `stop()` fails when the gateway fell back
 * from Redis even once: a `CROSSSLOT` (or any Redis error) would otherwise only cost speed, silently.
 * Resolves once `/ready` answers 200 (Redis connected, on a cluster every slot served), as a
 * balancer would wait: before that, the client has no offline queue and every command falls back.
 */
export async function startCacheStack(
  name: string,
  env: Record<string, string> = {},
): Promise<CacheStack> {
  const prefix = uniquePrefix(`cache-${name}`);
  // On the cluster, the gateway's warnings say which command fell back and why.
  const warnings: string[] = [];
  const log = ON_TEST_CLUSTER
    ? pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) })
    : undefined;
  const stack = await startStack({
    ...(log ? { log } : {}),
    env: {
      ...testRedisEnv(),
      CACHE_KEY_PREFIX: prefix,
      RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
      ADMIN_TOKEN,
      ...env,
    },
  });
  const readyUrl = stack.url.replace(/\/graphql$/, '/ready');
  await waitFor('the cache stack answering /ready with 200', async () =>
    (await fetch(readyUrl)).status === 200 ? true : undefined,
  );
  const stopStack = stack.stop.bind(stack);
  return Object.assign(stack, {
    prefix,
    async stop() {
      const fallbacks = ON_TEST_CLUSTER ? await counter(stack, 'redisFallbacks', {}) : 0;
      await stopStack();
      if (fallbacks)
        throw new Error(
          `the gateway fell back from the Redis Cluster ${fallbacks} times: ${warnings.join('')}`,
        );
    },
  });
}

/** Requests each subgraph received since the last `resetStats()`. */
export function requests(stack: Stack): Record<SubgraphName, number> {
  return {
    product: stack.subgraphs.product.stats.requests,
    user: stack.subgraphs.user.stats.requests,
    payment: stack.subgraphs.payment.stats.requests,
  };
}

/** The exact query texts subgraph `name` received since the last `resetStats()`. */
export function received(stack: Stack, name: SubgraphName): string[] {
  return stack.subgraphs[name].stats.received.map((r) => r.query);
}

/** A counter's value for one label set (0 when never incremented). */
export async function counter(
  stack: Stack,
  metric: 'cacheHits' | 'cacheMisses' | 'redisFallbacks',
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await stack.gateway.metrics[metric].get();
  return values
    .filter((v) =>
      Object.entries(labels).every(
        ([k, value]) => (v.labels as Record<string, unknown>)[k] === value,
      ),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

/** Deletes every key under `prefix` from the test Redis (one key a command: slot-safe). */
export async function dropKeys(prefix: string): Promise<void> {
  const redis = testRedisClient({ maxRetriesPerRequest: 1 });
  try {
    const keys = await keysMatching(redis, `${prefix}*`);
    await Promise.all(keys.map((key) => redis.del(key)));
  } finally {
    redis.disconnect();
  }
}

/** `POST /cache/invalidate` on the stack. */
export async function invalidate(
  stack: Stack,
  body: string,
  authorization?: string,
): Promise<{ status: number; body: { errors?: { extensions: { code: string } }[] } }> {
  const response = await fetch(stack.url.replace(/\/graphql$/, '/cache/invalidate'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as never };
}
