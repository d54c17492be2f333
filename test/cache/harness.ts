import { Redis } from 'ioredis';
import { startStack, type Stack } from '../helpers/stack.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';
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

/** The real stack with the cache on Redis under a unique prefix (rate limits too). */
export async function startCacheStack(
  name: string,
  env: Record<string, string> = {},
): Promise<CacheStack> {
  const prefix = uniquePrefix(`cache-${name}`);
  const stack = await startStack({
    env: {
      REDIS_URL,
      CACHE_KEY_PREFIX: prefix,
      RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
      ADMIN_TOKEN,
      ...env,
    },
  });
  return Object.assign(stack, { prefix });
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

/** Deletes every key under `prefix` from the shared test Redis. */
export async function dropKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
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
