/**
 * Owner-only data and the per-field cache on Redis (docs/security.md cases 70 and 79): one
 * caller's allowed read never becomes another caller's hit. `User.email` is
 * `@cacheControl(scope: PRIVATE)`, so it is cached per caller; `User.payments` has no hint and is
 * never cached. A and B both HAVE `read:email read:payments`; only A owns u1.
 *
 * The user subgraph sits behind a proxy that holds every `email` fetch until fetches of two
 * different callers are in flight at once (or a generous bound passes), so in-flight
 * deduplication (`src/subgraphClient/dedup.ts`) is exercised with A and B at the same moment.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/shared/names.js';
import { startSubgraph, type SubgraphHandle } from '../../subgraphs/shared/server.js';
import { getSeed } from '../../subgraphs/shared/seed.js';
import { dropKeys } from '../cache/harness.js';
import { redisAvailable, testRedisEnv, uniquePrefix } from '../helpers/redis.js';
import { composeFor, postGraphQL, type GraphQLResponse } from '../helpers/stack.js';
import { DEV_KEYS_DIR, devToken, lazyInternalAuth } from '../helpers/tokens.js';

const SCOPES = 'read:email read:payments';
/** The longest the proxy holds a fetch waiting for the other caller's. */
const HOLD_BOUND_MS = 10_000;

/** A proxy in front of one subgraph that records each fetch's caller and may hold `email` fetches. */
interface HoldingProxy {
  readonly url: string;
  /** `sub` of the internal token of every fetch that asked for `email`, in arrival order. */
  readonly emailFetches: string[];
  /** Every fetch received. */
  fetches: number;
  /** Hold `email` fetches until fetches of 2 distinct callers are held; resolves how it ended. */
  holdForTwoCallers(): Promise<'together' | 'bound'>;
  reset(): void;
  close(): Promise<void>;
}

function subOf(authorization: string | undefined): string {
  const payload = (authorization ?? '').split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString() || '{}') as {
    sub?: string;
  };
  return claims.sub ?? 'anonymous';
}

async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  let held: { sub: string; release: () => void }[] = [];
  let holding: ((how: 'together' | 'bound') => void) | undefined;
  const releaseAll = (how: 'together' | 'bound') => {
    const done = holding;
    holding = undefined;
    for (const h of held) h.release();
    held = [];
    done?.(how);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const sub = subOf(req.headers.authorization);
      proxy.fetches += 1;
      const asksEmail = (JSON.parse(text) as { query: string }).query.includes('email');
      if (asksEmail) proxy.emailFetches.push(sub);
      const forward = () =>
        void fetch(target, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: req.headers.authorization ?? '',
          },
          body: text,
        }).then(async (r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(await r.text());
        });
      if (!asksEmail || !holding) return forward();
      held.push({ sub, release: forward });
      if (new Set(held.map((h) => h.sub)).size >= 2) releaseAll('together');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: HoldingProxy = {
    url: `http://127.0.0.1:${port}/graphql`,
    emailFetches: [],
    fetches: 0,
    holdForTwoCallers: () =>
      new Promise((resolve) => {
        const timer = setTimeout(() => releaseAll('bound'), HOLD_BOUND_MS);
        holding = (how) => {
          clearTimeout(timer);
          resolve(how);
        };
      }),
    reset() {
      proxy.emailFetches.length = 0;
      proxy.fetches = 0;
    },
    close: () =>
      new Promise((resolve) => {
        releaseAll('bound');
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

describe.skipIf(!(await redisAvailable()))('owner-only data and the per-field cache', () => {
  const prefix = uniquePrefix('ownership-cache');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-ownership-'));
  let subgraphs: SubgraphHandle[] = [];
  let proxy: HoldingProxy;
  let gateway: Gateway;
  let url: string;
  let a: string; // u1, the owner of u1
  let b: string; // u42
  const u1Email = getSeed().users[0]!.email;

  const ask = (query: string, token: string): Promise<GraphQLResponse> =>
    postGraphQL(url, { query }, { token });
  const paymentRequests = () => subgraphs.find((s) => s.name === 'payment')!.stats.requests;

  beforeAll(async () => {
    const internalAuth = lazyInternalAuth();
    const logger = pino({ level: 'silent' });
    subgraphs = await Promise.all(
      SUBGRAPH_NAMES.map((name) =>
        startSubgraph(name, { port: 0, logger, authenticate: internalAuth.authenticate(name) }),
      ),
    );
    const byName = Object.fromEntries(subgraphs.map((s) => [s.name, s.url])) as Record<
      SubgraphName,
      string
    >;
    proxy = await startHoldingProxy(byName.user);
    const supergraphPath = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(supergraphPath, composeFor({ ...byName, user: proxy.url }));
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      SUPERGRAPH_PATH: supergraphPath,
      LOG_LEVEL: 'silent',
      DEV_KEYS_DIR,
      ...testRedisEnv(),
      CACHE_KEY_PREFIX: prefix,
      RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
    });
    internalAuth.use(config);
    gateway = createGateway(config, { log: logger });
    url = (await gateway.start()).url;
    [a, b] = await Promise.all([devToken('u1', SCOPES), devToken('u42', SCOPES)]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await proxy?.close();
    await Promise.all(subgraphs.map((s) => s.close()));
    await dropKeys(prefix);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await dropKeys(prefix); // every test starts cold
    proxy.reset();
  });

  /** B's answer: u1's name served, email null with exactly one FORBIDDEN at user.email. */
  const expectDenied = (response: GraphQLResponse) => {
    const summary = JSON.stringify(response.body);
    expect(response.status, summary).toBe(200);
    expect(summary).not.toContain(u1Email);
    expect(response.body.data).toEqual({ user: { name: expect.any(String), email: null } });
    const errors = response.body.errors as { path: unknown; extensions: { code: string } }[];
    expect(errors.map((e) => [e.path, e.extensions.code])).toEqual([
      [['user', 'email'], 'FORBIDDEN'],
    ]);
  };
  const expectOwn = (response: GraphQLResponse) => {
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ data: { user: { email: u1Email } } });
    expect(response.body.errors).toBeUndefined();
  };

  const QUERY = '{ user(id: "u1") { name email } }';

  it('A’s cached email is never B’s hit, on any path', async () => {
    expectOwn(await ask(QUERY, a));
    // A's second read is a cache hit: the value really is in Redis.
    proxy.reset();
    expectOwn(await ask(QUERY, a));
    expect(proxy.emailFetches).toEqual([]);

    // B asks the very same document: its own fetch, and the owning subgraph says no.
    expectDenied(await ask(QUERY, b));
    expect(proxy.emailFetches).toEqual(['u42']);
    expectDenied(await ask(QUERY, b)); // nor after B's own miss

    // Through another path to the same entity.
    const seller = await ask('{ product(id: "p1") { seller { id email } } }', b);
    expect(JSON.stringify(seller.body)).not.toContain(u1Email);
    expect(seller.body.data).toEqual({ product: { seller: { id: 'u1', email: null } } });
    expect(seller.body.errors[0].extensions.code).toBe('FORBIDDEN');
    // And A's `me` warms the same entity for A only.
    await ask('{ me { email } }', a);
    const aliased = await ask('{ x: user(id: "u1") { name e: email } }', b);
    expect(JSON.stringify(aliased.body)).not.toContain(u1Email);
    expect(aliased.body.errors[0].path).toEqual(['x', 'e']);
  });

  it('A and B at the same moment: in-flight fetches are shared per caller only', async () => {
    for (let round = 0; round < 3; round++) {
      await dropKeys(prefix);
      proxy.reset();
      const together = proxy.holdForTwoCallers();
      const callers = [a, b, a, b, a, b];
      const answers = await Promise.all(callers.map((token) => ask(QUERY, token)));
      // Fetches of both callers were held at once: neither was answered from the other's.
      expect(await together).toBe('together');
      answers.forEach((answer, i) => (i % 2 === 0 ? expectOwn(answer) : expectDenied(answer)));
      expect(new Set(proxy.emailFetches)).toEqual(new Set(['u1', 'u42']));
    }
    // Afterwards A's value is cached; B still gets none of it.
    expectDenied(await ask(QUERY, b));
  });

  it('payments carry no hint: never cached, every read asks the owning subgraph', async () => {
    const query = '{ user(id: "u1") { payments(first: 1) { id amount } } }';
    const before = paymentRequests();
    const own = await ask(query, a);
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data.user.payments).toHaveLength(1);
    expect(own.headers.get('cache-control')).toBe('no-store');
    const denied = await ask(query, b);
    expect(denied.body.data).toEqual({ user: { payments: null } });
    expect(denied.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(JSON.stringify(denied.body)).not.toContain(own.body.data.user.payments[0].id);
    await ask(query, a);
    expect(paymentRequests() - before).toBe(3);
  });
});
