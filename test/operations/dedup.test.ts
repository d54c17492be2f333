/**
 * Subgraph fetch deduplication over real HTTP: the three real subgraphs, each behind a small proxy
 * that counts what reaches it and can hold answers back until the test releases them, so that
 * concurrent client requests are in flight at once; the gateway is built through `createGateway`.
 * No step relies on timing: each waits for what it needs to have happened (a request reaching a
 * proxy, a plan execution starting, a metric moving, an answer arriving).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDevKeys } from '../../src/auth/keys.js';
import { internalAuthenticate } from '../../subgraphs/shared/internalAuth.js';
import { startSubgraph, type SubgraphHandle } from '../../subgraphs/shared/server.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/shared/names.js';
import { DEV_KEYS_DIR, devToken } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';
import { freePort, startGatewayOn, type TestGateway } from './helpers/processes.js';

/** One request a proxy received. */
interface Received {
  readonly query: string;
  readonly variables: Record<string, unknown> | undefined;
  /** `sub` and `scope` of the internal token, as the subgraph sees the caller. */
  readonly caller: { sub?: string; scope?: string };
}

/** A counting, delaying proxy in front of one real subgraph. */
interface Proxy {
  readonly url: string;
  readonly received: Received[];
  /**
   * Holds back the answers to the requests `match` selects (by GraphQL text), from now until the
   * returned function is called; the requests are forwarded at once all the same.
   */
  hold(match?: (query: string) => boolean): () => void;
  /** Answer HTTP 500 instead of forwarding. */
  fail: boolean;
  /** Releases every held answer, forgets what was received, forwards again. */
  reset(): void;
  close(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const received: Received[] = [];
  const released = Promise.resolve();
  let held = (_query: string): Promise<void> => released;
  const releases: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(text) as Omit<Received, 'caller'>;
      const token = (req.headers.authorization ?? '').split('.')[1] ?? '';
      const caller = JSON.parse(Buffer.from(token, 'base64url').toString() || '{}');
      received.push({ query: body.query, variables: body.variables, caller });
      // why forward first: the answer holds the data as of the fetch's start, as a slow network would.
      const answer = proxy.fail
        ? Promise.resolve({ status: 500, text: 'internal error' })
        : fetch(target, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: req.headers.authorization ?? '',
            },
            body: text,
          }).then(async (r) => ({ status: r.status, text: await r.text() }));
      void Promise.all([answer, held(body.query)]).then(([{ status, text }]) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: Proxy = {
    url: `http://127.0.0.1:${port}/graphql`,
    received,
    hold(match = () => true) {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const previous = held;
      held = (query) => (match(query) ? gate : previous(query));
      releases.push(release);
      return () => {
        held = previous;
        release();
      };
    },
    fail: false,
    reset() {
      for (const release of releases.splice(0)) release();
      received.length = 0;
      held = () => released;
      proxy.fail = false;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

const SELLERS = '{ products(first: 5) { name seller { name } } }';
const USER = '{ user(id: "u1") { name } }';
const ME = '{ me { name } }';

let subgraphs: SubgraphHandle[];
const proxies = {} as Record<SubgraphName, Proxy>;
let gw: TestGateway | undefined;
let other: TestGateway | undefined;
const urls = () => ({
  product: proxies.product.url,
  user: proxies.user.url,
  payment: proxies.payment.url,
});

beforeAll(async () => {
  const internal = loadDevKeys(DEV_KEYS_DIR).internal;
  const logger = pino({ level: 'silent' });
  subgraphs = await Promise.all(
    SUBGRAPH_NAMES.map((name) =>
      startSubgraph(name, {
        port: 0,
        logger,
        authenticate: internalAuthenticate(name, [{ key: internal.publicKey, alg: internal.alg }]),
      }),
    ),
  );
  for (const s of subgraphs) proxies[s.name] = await startProxy(s.url);
});
afterEach(async () => {
  // why reset first: a gateway stops once its requests are answered, held ones included.
  for (const proxy of Object.values(proxies)) proxy.reset();
  await gw?.stop();
  await other?.stop();
  gw = other = undefined;
});
afterAll(async () => {
  await Promise.all(Object.values(proxies).map((p) => p.close()));
  await Promise.all(subgraphs.map((s) => s.close()));
});

/** A gateway over the proxies; the cache is off unless asked, so every fetch reaches a subgraph. */
async function gateway(env: Record<string, string> = {}) {
  return startGatewayOn(urls(), {
    CACHE_ENABLED: 'false',
    CIRCUIT_BREAKER_WINDOW: '1000',
    ...env,
  });
}

const times = <T>(n: number, fn: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

const deduplicated = (g: TestGateway, subgraph: SubgraphName) =>
  g.metric('gateway_subgraph_deduplicated_total', { subgraph });

/** Waits until `condition` holds (polled; see waitFor). */
const until = (what: string, condition: () => boolean | Promise<boolean>) =>
  waitFor(what, async () => ((await condition()) ? true : undefined));

/** Plan executions the gateway has started, by either executor. */
const executions = async (g: TestGateway) =>
  (await g.metric('gateway_plan_executions_total', { executor: 'compiled' })) +
  (await g.metric('gateway_plan_executions_total', { executor: 'apollo' }));

/**
 * Sends `n` requests at once and resolves, with their `answers` still pending, once every one of
 * them has started executing its plan: from there each reaches its first fetch without waiting on
 * any I/O, so a fetch the proxy holds is joined by all of them.
 */
async function concurrently<T>(g: TestGateway, n: number, send: (i: number) => Promise<T>) {
  const before = await executions(g);
  const answers = times(n, send);
  await until(`${n} plan executions`, async () => (await executions(g)) - before >= n);
  // why wrapped: an async function returning the promise itself would wait for the answers.
  return { answers };
}

/** Waits until `proxy` has received `n` requests (`filter` selects which count). */
const received = (proxy: Proxy, n: number, filter: (r: Received) => boolean = () => true) =>
  until(`${n} requests received`, () => proxy.received.filter(filter).length >= n);

describe('identical query fetches in flight at once', () => {
  it('are sent once; every client gets the full answer', async () => {
    gw = await gateway();
    const reference = (await gw.query(SELLERS)).body;
    expect(reference.data.products).toHaveLength(5);
    expect(reference.errors).toBeUndefined();
    const sent = await gw.metric('gateway_subgraph_requests_total', {
      subgraph: 'product',
      outcome: 'ok',
    });
    proxies.product.reset();
    proxies.user.reset();
    const releaseProduct = proxies.product.hold();
    const releaseUser = proxies.user.hold();

    const { answers: pending } = await concurrently(gw, 10, () => gw!.query(SELLERS));
    await received(proxies.product, 1);
    releaseProduct();
    // Every request has its products once nine shared the fetch; each then joins the user fetch.
    await until('nine followers', async () => (await deduplicated(gw!, 'product')) >= 9);
    await received(proxies.user, 1);
    releaseUser();
    const answers = await pending;
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.data).toEqual(reference.data);
      expect(body.errors).toBeUndefined();
    }
    expect(proxies.product.received).toHaveLength(1);
    expect(proxies.user.received).toHaveLength(1);
    expect(await deduplicated(gw, 'product')).toBe(9);
    expect(await deduplicated(gw, 'user')).toBe(9);
    // Real HTTP requests only.
    expect(
      await gw.metric('gateway_subgraph_requests_total', { subgraph: 'product', outcome: 'ok' }),
    ).toBe(sent + 1);
  });

  it('are shared by one caller only: callers, anonymous ones included, never share', async () => {
    gw = await gateway();
    const [u1, u2, u1email] = await Promise.all([
      devToken('u1'),
      devToken('u2'),
      devToken('u1', 'read:email'),
    ]);
    const nameOf = async (id: string) =>
      (await gw!.query(`{ user(id: "${id}") { name } }`)).body.data.user.name as string;
    const names = { u1: await nameOf('u1'), u2: await nameOf('u2') };
    expect(names.u1).not.toBe(names.u2);
    proxies.user.reset();
    let release = proxies.user.hold();

    // The same fetch text `{me{name}}` answers each caller with its own user.
    const callers = ['u1', 'u2', 'u1', 'u2', 'u1', 'u2'] as const;
    const { answers: pending } = await concurrently(gw, callers.length, (i) =>
      gw!.query(ME, { token: callers[i] === 'u1' ? u1 : u2 }),
    );
    await received(proxies.user, 2);
    release();
    const answers = await pending;
    answers.forEach(({ body }, i) => expect(body.data.me.name).toBe(names[callers[i]!]));
    expect(proxies.user.received.map((r) => r.caller.sub).sort()).toEqual(['u1', 'u2']);
    expect(await deduplicated(gw, 'user')).toBe(4);

    // Anonymous, u1, and u1 with another scope: three callers as the subgraph sees them.
    proxies.user.received.length = 0;
    release = proxies.user.hold();
    const tokens = [undefined, u1, u1email];
    const { answers: pendingMixed } = await concurrently(gw, 9, (i) =>
      gw!.query(USER, { token: tokens[i % 3] }),
    );
    await received(proxies.user, 3);
    release();
    const mixed = await pendingMixed;
    for (const { body } of mixed) expect(body.data.user.name).toBe(names.u1);
    expect(proxies.user.received.map((r) => `${r.caller.sub}/${r.caller.scope}`).sort()).toEqual([
      'u1/read:email',
      'u1/undefined',
      'undefined/undefined',
    ]);
  });

  it('with SUBGRAPH_DEDUP=false are each sent', async () => {
    gw = await gateway({ SUBGRAPH_DEDUP: 'false' });
    const releaseProduct = proxies.product.hold();
    const releaseUser = proxies.user.hold();
    const pending = times(5, () => gw!.query(SELLERS));
    // All five in flight at once, at each subgraph.
    await received(proxies.product, 5);
    releaseProduct();
    await received(proxies.user, 5);
    releaseUser();
    const answers = await pending;
    for (const { body } of answers) expect(body.data).toEqual(answers[0]!.body.data);
    expect(proxies.product.received).toHaveLength(5);
    expect(proxies.user.received).toHaveLength(5);
    expect(await deduplicated(gw, 'product')).toBe(0);
  });

  it('with the cache on are sent once too', async () => {
    gw = await gateway({ CACHE_ENABLED: 'true' });
    const releaseProduct = proxies.product.hold();
    const releaseUser = proxies.user.hold();
    const { answers: pending } = await concurrently(gw, 10, () => gw!.query(SELLERS));
    await received(proxies.product, 1);
    releaseProduct();
    await received(proxies.user, 1);
    releaseUser();
    const answers = await pending;
    for (const { body } of answers) expect(body.data).toEqual(answers[0]!.body.data);
    expect(answers[0]!.body.data.products).toHaveLength(5);
    expect(proxies.product.received).toHaveLength(1);
    expect(proxies.user.received).toHaveLength(1);
  });
});

describe('mutations', () => {
  it('are never shared, nor the reads that follow them', async () => {
    gw = await gateway();
    const admin = await devToken('u1', 'admin:products');
    const releaseProduct = proxies.product.hold();
    const releaseUser = proxies.user.hold();
    const mutation =
      'mutation { updateProductPrice(id: "p1999", price: 12.5) { price seller { name } } }';
    const pending = times(2, () => gw!.query(mutation, { token: admin }));
    // Both in flight at once, at each subgraph.
    await received(proxies.product, 2);
    releaseProduct();
    await received(proxies.user, 2);
    releaseUser();
    const answers = await pending;
    for (const { body } of answers) {
      expect(body.errors).toBeUndefined();
      expect(body.data.updateProductPrice.price).toBe(12.5);
      expect(body.data.updateProductPrice.seller.name).toBeTruthy();
    }
    expect(proxies.product.received.filter((r) => r.query.includes('mutation'))).toHaveLength(2);
    expect(proxies.user.received).toHaveLength(2);
    expect(await deduplicated(gw, 'user')).toBe(0);
  });
});

describe('with the cache on', () => {
  it('a read that saw a newer entity version never joins a fetch started before the write', async () => {
    gw = await gateway({ CACHE_ENABLED: 'true' });
    const admin = await devToken('admin', 'admin:products');
    // u5 sells p5 first; the cache guards User.products by the versions of the products in it.
    const read = '{ user(id: "u5") { products(first: 1) { id price } } }';
    const priceOf = (r: { body: { data: { user: { products: { price: number }[] } } } }) =>
      r.body.data.user.products[0]!.price;
    const entities = (r: Received) => r.query.includes('_entities');
    const release = proxies.product.hold((query) => query.includes('_entities'));
    const before = gw.query(read);
    // The read's entity fetch has reached the subgraph (its answer is the data as of now) and waits.
    await received(proxies.product, 1, entities);
    const write = await gw.query(
      'mutation { updateProductPrice(id: "p5", price: 777.25) { id price } }',
      { token: admin },
    );
    expect(write.body.data.updateProductPrice.price).toBe(777.25);
    const later = gw.query(read);
    // The later read sent a fetch of its own rather than joining the held one.
    await received(proxies.product, 2, entities);
    release();
    const after = await later;
    expect(priceOf(after)).toBe(777.25);
    expect(priceOf(await before)).not.toBe(777.25);
    expect(proxies.product.received.filter((r) => r.query.includes('_entities'))).toHaveLength(2);
  });
});

describe('deadlines', () => {
  // why half-way: requests that start half-way through the first one's deadline reach the shared
  // fetch before that deadline passes, and outlive it, each by half a deadline however busy the
  // machine; the shared answer is held until the first request has timed out.
  const TIMEOUT_MS = 3000;
  const halfway = (since: number) =>
    until('half a deadline', () => Date.now() - since >= TIMEOUT_MS / 2);

  it("the leader's request timing out leaves its followers their answer", async () => {
    gw = await gateway({ REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
    const release = proxies.user.hold();
    const started = Date.now();
    const leader = gw.query(USER);
    await received(proxies.user, 1);
    await halfway(started);
    const { answers: pending } = await concurrently(gw, 3, () => gw!.query(USER));
    expect((await leader).status).toBe(504);
    release();
    const followers = await pending;
    for (const { status, body } of followers) {
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.user.name).toBeTruthy();
    }
    expect(proxies.user.received).toHaveLength(1);
    expect(await deduplicated(gw, 'user')).toBe(3);
  });

  it('a follower timing out stops waiting; the fetch goes on for the others', async () => {
    gw = await gateway({ REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
    // The follower starts first but reaches the shared user fetch late: its product fetch is held.
    const early = '{ products(first: 1) { inStock seller { name } } }';
    const late = '{ products(first: 1) { name seller { name } } }';
    const releaseEarly = proxies.product.hold((query) => query.includes('inStock'));
    const releaseUser = proxies.user.hold();
    const productAnswers = async () =>
      (await gw!.metric('gateway_subgraph_requests_total', {
        subgraph: 'product',
        outcome: 'ok',
      })) + (await deduplicated(gw!, 'product'));
    const started = Date.now();
    const follower = gw.query(early);
    await received(proxies.product, 1);
    await halfway(started);
    const base = await productAnswers();
    const pending = times(2, () => gw!.query(late));
    // Both `late` requests have their products (then they join the user fetch, which is held) ...
    await until('the products of both', async () => (await productAnswers()) - base >= 2);
    await received(proxies.user, 1);
    // ... and then `early` has its products too, and joins the user fetch.
    releaseEarly();
    await until('the products of early', async () => (await productAnswers()) - base >= 3);
    expect((await follower).status).toBe(504);
    releaseUser();
    const others = await pending;
    for (const { status, body } of others) {
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.products[0].seller.name).toBeTruthy();
    }
    // One HTTP request: the early request joined the fetch and left it (504); `late` shared it.
    expect(proxies.user.received).toHaveLength(1);
    expect(await deduplicated(gw, 'user')).toBe(1);
  });
});

describe('a failed shared fetch', () => {
  it('gives every waiter the error and its degraded marker', async () => {
    gw = await gateway({ SUBGRAPH_MAX_RETRIES: '0' });
    const release = proxies.user.hold();
    proxies.user.fail = true;
    const { answers: pending } = await concurrently(gw, 5, () => gw!.query(USER));
    await received(proxies.user, 1);
    release();
    const answers = await pending;
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.data.user).toBeNull();
      expect(body.errors[0].path).toEqual(['user']);
      expect(body.errors[0].extensions).toMatchObject({
        code: 'DOWNSTREAM_SERVICE_ERROR',
        serviceName: 'user',
      });
      expect(body.extensions.degradedSubgraphs).toEqual(['user']);
    }
    expect(proxies.user.received).toHaveLength(1);
  });

  it('gives every waiter the error of a refused connection', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/graphql`;
    gw = await startGatewayOn(
      { ...urls(), user: closed },
      { CACHE_ENABLED: 'false', SUBGRAPH_MAX_RETRIES: '0', CIRCUIT_BREAKER_WINDOW: '1000' },
    );
    const answers = await times(5, () => gw!.query(SELLERS));
    for (const { body } of answers) {
      expect(body.data.products).toHaveLength(5);
      for (const p of body.data.products) expect(p.seller).toBeNull();
      expect(body.errors[0].extensions).toMatchObject({
        code: 'SUBGRAPH_UNAVAILABLE',
        serviceName: 'user',
      });
      expect(body.extensions.degradedSubgraphs).toEqual(['user']);
    }
  });
});

describe('repeated representations', () => {
  // Past the first 300 products sellers are drawn at random, so they repeat within a page; `a`
  // and `b` make two identical `_entities` fetches of one request, in parallel.
  const REPEATED = `{
    a: products(first: 100, after: "p300") { name seller { name } }
    b: products(first: 100, after: "p300") { price seller { id name } }
  }`;
  const entityFetches = (proxy: Proxy) =>
    proxy.received.filter((r) => r.query.includes('_entities'));
  const idsOf = (received: Received) =>
    (received.variables!.representations as { id: string }[]).map((r) => r.id);

  it('are sent once per `_entities` fetch; the answer is the undeduplicated one', async () => {
    // why batching off: it would merge the two fetches into one request (test/execution/batching.test.ts);
    // here each fetch's own representations are counted
    gw = await gateway({ SUBGRAPH_BATCHING: 'false' });
    other = await gateway({ SUBGRAPH_DEDUP: 'false', SUBGRAPH_BATCHING: 'false' });
    const plain = await other.query(REPEATED);
    expect(plain.body.errors).toBeUndefined();
    const sentPlain = entityFetches(proxies.user);
    expect(sentPlain.map((r) => idsOf(r).length)).toEqual([100, 100]);
    proxies.user.received.length = 0;

    const deduped = await gw.query(REPEATED);
    expect(deduped.body.data).toEqual(plain.body.data);
    expect(deduped.body.errors).toBeUndefined();
    const sent = entityFetches(proxies.user);
    expect(sent).toHaveLength(1);
    const ids = idsOf(sent[0]!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(idsOf(sentPlain[0]!)));
    expect(ids.length).toBeLessThan(100);
  });
});
