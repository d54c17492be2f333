import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryCacheStore } from '../../src/cache/memoryStore.js';
import { principal, startDirect, type Direct } from './direct.js';

const ENTITIES = (inner: string) =>
  `query($representations:[_Any!]!){_entities(representations:$representations){${inner}}}`;
const product = (id: string) => ({ __typename: 'Product', id });
const user = (id: string) => ({ __typename: 'User', id });

let direct: Direct;
beforeAll(async () => {
  direct = await startDirect();
});
afterAll(async () => {
  await direct?.stop();
});
beforeEach(() => direct.resetStats());
const received = (name: 'product' | 'user') => direct.subgraphs[name].stats.received;

describe('field TTLs, on a clock the test moves (in-process store)', () => {
  it('asks again for price only once its 10 s are over; name keeps its 300 s', async () => {
    const query = ENTITIES('...on Product{name price}');
    const representations = [product('p11'), product('p12')];
    const first = await direct.fetch('product', query, { variables: { representations } });
    direct.advance(9);
    direct.resetStats();
    expect(await direct.fetch('product', query, { variables: { representations } })).toEqual(first);
    expect(received('product')).toHaveLength(0);

    direct.advance(1.5);
    expect(await direct.fetch('product', query, { variables: { representations } })).toEqual(first);
    expect(received('product').map((r) => [r.query, r.variables])).toEqual([
      [ENTITIES('...on Product{price}'), { representations }],
    ]);

    direct.advance(300);
    direct.resetStats();
    await direct.fetch('product', query, { variables: { representations } });
    expect(received('product').map((r) => r.query)).toEqual([query]);
  });

  it('keeps a root list’s references for 300 s and asks only for expired fields behind them', async () => {
    const query = '{products(first:2,after:"p20"){name price}}';
    const first = await direct.fetch('product', query);
    direct.advance(11);
    direct.resetStats();
    expect(await direct.fetch('product', query)).toEqual(first);
    expect(received('product').map((r) => r.query)).toEqual([ENTITIES('...on Product{price}')]);
  });

  it('serves entities that miss nothing without a subgraph request, duplicates included', async () => {
    const query = ENTITIES('...on Product{name}');
    await direct.fetch('product', query, {
      variables: { representations: [product('p31'), product('p32')] },
    });
    direct.resetStats();
    const answer = await direct.fetch('product', query, {
      variables: { representations: [product('p32'), product('p31'), product('p32')] },
    });
    const names = (answer.data as { _entities: { name: string }[] })._entities.map((e) => e.name);
    expect(names[0]).toBe(names[2]);
    expect(names[0]).not.toBe(names[1]);
    expect(received('product')).toHaveLength(0);
  });
});

describe('private fields, by verified caller', () => {
  const query = ENTITIES('...on User{name email}');
  const representations = [user('u21')];

  it('are keyed by the caller: another caller misses, the same caller hits', async () => {
    await direct.fetch('user', query, {
      variables: { representations },
      principal: principal('alice'),
    });
    direct.resetStats();
    await direct.fetch('user', query, {
      variables: { representations },
      principal: principal('alice'),
    });
    expect(received('user')).toHaveLength(0);
    await direct.fetch('user', query, {
      variables: { representations },
      principal: principal('bob'),
    });
    expect(received('user').map((r) => r.query)).toEqual([ENTITIES('...on User{email}')]);
  });

  it('are separated by scopes too (a caller who lost a scope gets nothing computed under it)', async () => {
    await direct.fetch('user', query, {
      variables: { representations },
      principal: principal('carol', ['read:email']),
    });
    direct.resetStats();
    await direct.fetch('user', query, {
      variables: { representations },
      principal: principal('carol'),
    });
    expect(received('user').map((r) => r.query)).toEqual([ENTITIES('...on User{email}')]);
  });

  it('are never read or written for anonymous callers', async () => {
    const hits = async () =>
      (await direct.metrics.cacheHits.get()).values.reduce((s, v) => s + v.value, 0);
    await direct.fetch('user', query, {
      variables: { representations },
      principal: principal('dave'),
    });
    direct.resetStats();
    const before = await hits();
    await direct.fetch('user', query, { variables: { representations } });
    await direct.fetch('user', query, { variables: { representations } });
    expect(received('user').map((r) => r.query)).toEqual([
      ENTITIES('...on User{email}'),
      ENTITIES('...on User{email}'),
    ]);
    expect((await hits()) - before).toBe(2); // `name` (public) only
  });
});

describe('mutations', () => {
  it('bump the versions of the entities they return, so every cached field of them is stale', async () => {
    const query = ENTITIES('...on Product{name description}');
    const representations = [product('p41')];
    await direct.fetch('product', query, { variables: { representations } });
    await direct.fetch(
      'product',
      'mutation{updateProductPrice(id:"p41",price:5){gwCacheKey___typename:__typename gwCacheKey_id:id}}',
      {
        operation: 'mutation',
      },
    );
    direct.resetStats();
    await direct.fetch('product', query, { variables: { representations } });
    expect(received('product').map((r) => r.query)).toEqual([query]);
  });

  it('make every fetch of their request bypass the cache', async () => {
    const query = ENTITIES('...on Product{name}');
    const representations = [product('p42')];
    await direct.fetch('product', query, { variables: { representations } });
    direct.resetStats();
    await direct.fetch('product', query, { variables: { representations }, operation: 'mutation' });
    expect(received('product')).toHaveLength(1);
  });
});

describe('the in-process store', () => {
  it('drops least recently used entries at its memory bound', async () => {
    const store = createMemoryCacheStore({ maxBytes: 4096, now: () => 0 });
    await store.mset(
      Array.from({ length: 40 }, (_, i) => ({
        key: `k${i}`,
        value: 'x'.repeat(100),
        ttlSeconds: 60,
      })),
    );
    const { entries } = await store.mget(
      Array.from({ length: 40 }, (_, i) => `k${i}`),
      [],
    );
    expect(entries.filter(Boolean).length).toBeLessThan(40);
    expect(entries[39]).toBe('x'.repeat(100));
  });

  it('expires entries by their own TTL on its clock', async () => {
    let now = 0;
    const store = createMemoryCacheStore({ maxBytes: 1 << 20, now: () => now });
    await store.mset([
      { key: 'short', value: 's', ttlSeconds: 10 },
      { key: 'long', value: 'l', ttlSeconds: 300 },
    ]);
    now = 10_000;
    expect((await store.mget(['short', 'long'], [])).entries).toEqual([undefined, 'l']);
  });

  it('never lets an entry match again once its versions were dropped', async () => {
    const store = createMemoryCacheStore({ maxBytes: 1 << 20, maxVersions: 2 });
    const before = (await store.mget([], ['ver:A:1'])).versions[0];
    await store.bumpVersions(['ver:A:1', 'ver:A:2']);
    const bumped = (await store.mget([], ['ver:A:1'])).versions[0];
    await store.bumpVersions(['ver:A:3']); // overflow: everything dropped, a new generation starts
    const after = (await store.mget([], ['ver:A:1'])).versions[0];
    expect(new Set([before, bumped, after]).size).toBe(3);
  });
});
