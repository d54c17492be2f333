import { createHash } from 'node:crypto';
import { Cluster } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { keySlot } from '../../src/redis/slots.js';
import {
  redisClusterAvailable,
  startRedisCluster,
  type RedisCluster,
} from '../helpers/redisCluster.js';
import { uniquePrefix } from '../helpers/redis.js';
import { metric, postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

// Budgets, the field cache, its invalidation and APQ on a real 6-node Redis Cluster (3 masters, 3
// replicas), shared by two gateway instances (A = the stack's, B = a second one on the same
// config and subgraphs), then a master killed under load.
const hasCluster = await redisClusterAvailable();
const BUDGET_QUERY = '{ products(first: 50) { name seller { name } } }'; // costs 100
const SCREEN = '{ products(first: 10) { name price description seller { name } } }';

let cluster: RedisCluster;
let stack: Stack;
let gatewayB: Gateway;
let urlB: string;
let client: Cluster;
const prefix = uniquePrefix('cluster');

const queryB = (query: string, token?: string) =>
  postGraphQL(urlB, { query }, token ? { token } : {});
const fallbacks = (target: Pick<Stack, 'gateway'>, feature: string) =>
  metric(target, `gateway_redis_fallbacks_total{feature="${feature}"}`);

/** Every key under `match` on every master of the cluster. */
async function clusterKeys(match: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of client.nodes('master')) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${match}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}

beforeAll(async () => {
  if (!hasCluster) return;
  cluster = await startRedisCluster();
  stack = await startStack({
    env: {
      REDIS_CLUSTER_NODES: cluster.nodes,
      CACHE_KEY_PREFIX: `${prefix}cache:`,
      RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
      RATE_LIMIT_CAPACITY: '250',
      RATE_LIMIT_REFILL_PER_SECOND: '1',
      PERSISTED_OPERATIONS: 'allow',
    },
  });
  gatewayB = createGateway(stack.config, { log: pino({ level: 'silent' }) });
  urlB = (await gatewayB.start()).url;
  client = new Cluster(
    cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
    { redisOptions: { maxRetriesPerRequest: 1 } },
  );
  client.on('error', () => undefined);
  await new Promise((resolve) => client.once('ready', resolve));
}, 120_000);

afterAll(async () => {
  await gatewayB?.stop();
  await stack?.stop();
  client?.disconnect();
  await cluster?.stop();
}, 60_000);

describe.skipIf(!hasCluster)('Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  it('computes hash slots as the cluster does', async () => {
    const keys = ['a', 'gw:v1:cache:Product:p1', '{user1000}.following', 'foo{}{bar}', 'x{}', '€'];
    for (const key of keys) expect(keySlot(key)).toBe(Number(await client.cluster('KEYSLOT', key)));
  });

  it('two instances share one caller’s budget', async () => {
    const token = await devToken(`budget-${Date.now()}`);
    const first = await stack.query(BUDGET_QUERY, { token });
    expect(first.status).toBe(200);
    expect(Number(first.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(151);
    const second = await queryB(BUDGET_QUERY, token);
    expect(second.status).toBe(200);
    // B took from what A left, not from a budget of its own
    expect(Number(second.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(52);
    const third = await stack.query(BUDGET_QUERY, { token });
    expect(third.status).toBe(429);
    expect(third.body.errors[0].extensions.code).toBe('REQUEST_RATE_LIMITED');
    expect(await fallbacks(stack, 'rateLimit')).toBe(0);
    expect(await clusterKeys(`${prefix}rl:`)).not.toHaveLength(0);
  });

  it('serves a screen whose keys spread over several slots from the cache, with no CROSSSLOT', async () => {
    const cold = await stack.query(SCREEN);
    expect(cold.status).toBe(200);
    const keys = await clusterKeys(`${prefix}cache:`);
    const slots = new Set(keys.map(keySlot));
    expect(slots.size).toBeGreaterThan(3);
    // every master holds part of the screen
    const perMaster = await Promise.all(
      client.nodes('master').map(async (n) => (await n.dbsize()) > 0),
    );
    expect(perMaster.every(Boolean)).toBe(true);

    stack.resetStats();
    const hitsBefore = await metric(stack, 'gateway_cache_hits_total{subgraph="product"}');
    const warmA = await stack.query(SCREEN);
    const warmB = await queryB(SCREEN);
    expect(warmA.body.data).toEqual(cold.body.data);
    expect(warmB.body.data).toEqual(cold.body.data);
    expect(stack.subgraphs.product.stats.requests).toBe(0);
    expect(stack.subgraphs.user.stats.requests).toBe(0);
    expect(await metric(stack, 'gateway_cache_hits_total{subgraph="product"}')).toBeGreaterThan(
      hitsBefore,
    );
    expect(await fallbacks(stack, 'cache')).toBe(0);
    expect(await fallbacks({ gateway: gatewayB }, 'cache')).toBe(0);
  });

  it('a mutation on A makes the entity fresh on B', async () => {
    const product = '{ product(id: "p7") { name price } }';
    const before = (await queryB(product)).body.data.product;
    expect((await queryB(product)).body.data.product).toEqual(before); // cached on B
    const price = Number((Number(before.price) + 2.5).toFixed(2));
    const admin = await devToken('u1', 'admin:products');
    const mutation = await stack.query(
      `mutation { updateProductPrice(id: "p7", price: ${price}) { price } }`,
      { token: admin },
    );
    expect(mutation.body.data.updateProductPrice.price).toBe(price);
    expect((await queryB(product)).body.data.product).toEqual({ name: before.name, price });
  });

  it('shares automatic persisted queries between instances', async () => {
    const query = `{ product(id: "p9") { name } }`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const registered = await postGraphQL(stack.url, { query, extensions });
    expect(registered.status).toBe(200);
    const byHash = await postGraphQL(urlB, { extensions });
    expect(byHash.status).toBe(200);
    expect(byHash.body.data).toEqual(registered.body.data);
  });

  it('keeps serving while a master fails over, then returns to the cluster with nothing stale', async () => {
    // two more instances on the production command timeout (100 ms), sharing subgraphs and keys
    const config = { ...stack.config, redisCommandTimeoutMs: 100 };
    const instances = [
      createGateway(config, { log: pino({ level: 'silent' }) }),
      createGateway(config, { log: pino({ level: 'silent' }) }),
    ];
    const [c, d] = await Promise.all(instances.map((g) => g.start()));
    if (!c || !d) throw new Error('gateways did not start');
    try {
      const tokens = await Promise.all(
        Array.from({ length: 20 }, (_, i) => devToken(`load-${i}-${Date.now()}`)),
      );
      const statuses = new Map<number, number>();
      let requests = 0;
      let errors = 0;
      let slowestMs = 0;
      let slowestBeforeMs = 0;
      let failingOver = false;
      let stop = false;
      let n = 0;
      const worker = async () => {
        while (!stop) {
          const i = n++;
          const query = `{ product(id: "p${(i % 30) + 1}") { name price seller { name } } }`;
          const started = Date.now();
          const response = await postGraphQL(
            i % 2 ? c.url : d.url,
            { query },
            { token: tokens[i % tokens.length] as string },
          );
          if (failingOver) slowestMs = Math.max(slowestMs, Date.now() - started);
          else if (!stop) slowestBeforeMs = Math.max(slowestBeforeMs, Date.now() - started);
          requests += 1;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status !== 200 || response.body.errors) errors += 1;
        }
      };
      const load = Promise.all(Array.from({ length: 4 }, worker));
      while (requests < 200) await new Promise((r) => setTimeout(r, 20));

      const victim = (await cluster.masters())[0] as number;
      const killedAt = Date.now();
      const requestsAtKill = requests;
      failingOver = true;
      await cluster.kill(victim);
      await cluster.waitHealthy(120_000);
      const clusterOkMs = Date.now() - killedAt;
      expect(await cluster.masters()).not.toContain(victim);
      // back on the cluster: both ready, and a request costs no Redis fallback on either
      let gatewaysBackMs = 0;
      const deadline = Date.now() + 60_000;
      while (!gatewaysBackMs && Date.now() < deadline) {
        const ready = await Promise.all(
          [c.url, d.url].map(async (u) => (await fetch(u.replace('/graphql', '/ready'))).status),
        );
        const before = await Promise.all(instances.map((g) => fallbacks({ gateway: g }, 'cache')));
        await Promise.all(
          [c.url, d.url].map((u) => postGraphQL(u, { query: '{ product(id: "p1") { name } }' })),
        );
        const after = await Promise.all(instances.map((g) => fallbacks({ gateway: g }, 'cache')));
        if (ready.every((s) => s === 200) && after.every((v, i) => v === before[i]))
          gatewaysBackMs = Date.now() - killedAt;
        else await new Promise((r) => setTimeout(r, 100));
      }
      failingOver = false;
      const requestsDuringFailover = requests - requestsAtKill;
      stop = true;
      await load;
      console.log(
        `failover: ${requestsDuringFailover} requests from the kill until both gateways were back ` +
          `on the cluster, ${errors} errors of ${requests} in all, statuses ` +
          `${JSON.stringify(Object.fromEntries(statuses))}, slowest ${slowestMs} ms (${slowestBeforeMs} ms before the kill); new master ` +
          `serving after ${clusterOkMs} ms, gateways back after ${gatewaysBackMs} ms`,
      );
      expect(gatewaysBackMs).toBeGreaterThan(0);
      expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
      expect(errors).toBe(0);

      // nothing stale after the failover: every entity changed through C is fresh on D
      for (let i = 1; i <= 30; i += 1) {
        const id = `p${i}`;
        const read = `{ product(id: "${id}") { price } }`;
        const before = Number((await postGraphQL(d.url, { query: read })).body.data.product.price);
        const price = Number((before + 1.5).toFixed(2));
        // each mutation from its own admin (a mutation costs 10 of a budget of 250)
        const admin = await devToken(`admin-${id}-${Date.now()}`, 'admin:products');
        const mutation = await postGraphQL(
          c.url,
          { query: `mutation { updateProductPrice(id: "${id}", price: ${price}) { price } }` },
          { token: admin },
        );
        expect(mutation.status).toBe(200);
        expect((await postGraphQL(d.url, { query: read })).body.data.product.price).toBe(price);
      }
    } finally {
      await Promise.all(instances.map((g) => g.stop()));
    }
  }, 180_000);
});
