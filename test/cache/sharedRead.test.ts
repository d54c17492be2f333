import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheScope } from '../../src/cache/policy.js';
import type { ResponsePolicy } from '../../src/cache/responsePolicy.js';
import { SharedReads } from '../../src/cache/sharedRead.js';
import type { GatewayContext } from '../../src/context.js';
import { CHECKOUT_SCREEN, counter, dropKeys, startCacheStack, type CacheStack } from './harness.js';
import { devToken } from '../helpers/tokens.js';

/** A policy that writes down what each request was served (the real one only sets a header). */
function recordingPolicy() {
  const log = new Map<GatewayContext, string[]>();
  const add = (context: GatewayContext, entry: string) =>
    log.set(context, [...(log.get(context) ?? []), entry]);
  const policy: ResponsePolicy = {
    served: (context, maxAge: number, scope: CacheScope) => add(context, `${maxAge} ${scope}`),
    uncacheable: (context) => add(context, 'uncacheable'),
    part: { name: 'cache', contribute: () => undefined },
  };
  return { policy, log };
}

const request = (id: string) => ({ requestId: id }) as unknown as GatewayContext;

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('SharedReads', () => {
  it('reads once for identical reads in flight; each request gets its own copy and its own Cache-Control share', async () => {
    const { policy, log } = recordingPolicy();
    const reads = new SharedReads(policy);
    const answer = deferred<GatewayGraphQLResponse>();
    let calls = 0;
    const read = (p: ResponsePolicy) => {
      calls += 1;
      p.served(request('ignored'), 300, 'PUBLIC');
      p.served(request('ignored'), 10, 'PUBLIC');
      return answer.promise;
    };
    const contexts = [request('a'), request('b'), request('c')];
    const pending = contexts.map((context) => reads.read('k', context, read));
    answer.resolve({ data: { product: { id: 'p1', name: 'Lamp' } } });
    const results = await Promise.all(pending);
    expect(calls).toBe(1);
    for (const result of results)
      expect(result).toEqual({ data: { product: { id: 'p1', name: 'Lamp' } } });
    expect(new Set(results).size).toBe(3);
    expect(new Set(results.map((r): unknown => r.data?.product)).size).toBe(3);
    for (const context of contexts) expect(log.get(context)).toEqual(['300 PUBLIC', '10 PUBLIC']);
  });

  it('does not share an answer with errors: each waiting request reads for itself', async () => {
    const { policy } = recordingPolicy();
    const reads = new SharedReads(policy);
    const first = deferred<GatewayGraphQLResponse>();
    let calls = 0;
    const read = () => {
      calls += 1;
      return calls === 1
        ? first.promise
        : Promise.resolve({ data: { product: { id: 'p1' } } } as GatewayGraphQLResponse);
    };
    const pending = [reads.read('k', request('a'), read), reads.read('k', request('b'), read)];
    first.resolve({ data: { product: null }, errors: [{ message: 'product unavailable' }] });
    const [leader, follower] = await Promise.all(pending);
    expect(leader!.errors).toHaveLength(1);
    expect(follower).toEqual({ data: { product: { id: 'p1' } } });
    expect(calls).toBe(2);
  });

  it('never joins a read that started before a mutation went through (read your writes)', async () => {
    const { policy } = recordingPolicy();
    const reads = new SharedReads(policy);
    const before = deferred<GatewayGraphQLResponse>();
    let calls = 0;
    const pendingBefore = reads.read('k', request('a'), () => {
      calls += 1;
      return before.promise;
    });
    reads.wrote();
    const after = await reads.read('k', request('b'), () => {
      calls += 1;
      return Promise.resolve({ data: { price: 2 } });
    });
    before.resolve({ data: { price: 1 } });
    expect(await pendingBefore).toEqual({ data: { price: 1 } });
    expect(after).toEqual({ data: { price: 2 } });
    expect(calls).toBe(2);
  });

  it('keys reads apart: different keys never share', async () => {
    const { policy } = recordingPolicy();
    const reads = new SharedReads(policy);
    let calls = 0;
    const read = (value: number) => () => {
      calls += 1;
      return Promise.resolve({ data: { value } } as GatewayGraphQLResponse);
    };
    const [a, b] = await Promise.all([
      reads.read('u1', request('a'), read(1)),
      reads.read('u2', request('b'), read(2)),
    ]);
    expect([a.data, b.data, calls]).toEqual([{ value: 1 }, { value: 2 }, 2]);
  });
});

describe('identical requests on a warm cache (real stack, cache in Redis)', () => {
  let stack: CacheStack;
  beforeAll(async () => {
    stack = await startCacheStack('shared-read');
  });
  afterAll(async () => {
    await stack?.stop();
    if (stack) await dropKeys(stack.prefix);
  });

  it('answers every one correctly with the same Cache-Control, looking up far fewer fields than requests × fields', async () => {
    const token = await devToken('u42', 'read:email read:payments');
    const reference = await stack.query(CHECKOUT_SCREEN, { token });
    await stack.query(CHECKOUT_SCREEN, { token }); // warm
    const hitsBefore = await counter(stack, 'cacheHits', {});
    const one = await stack.query(CHECKOUT_SCREEN, { token });
    const perRequest = (await counter(stack, 'cacheHits', {})) - hitsBefore;
    expect(perRequest).toBeGreaterThan(0);

    const concurrent = 30;
    const before = await counter(stack, 'cacheHits', {});
    const answers = await Promise.all(
      Array.from({ length: concurrent }, () => stack.query(CHECKOUT_SCREEN, { token })),
    );
    const looked = (await counter(stack, 'cacheHits', {})) - before;
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual(reference.body.data);
      expect(answer.headers.get('cache-control')).toBe(one.headers.get('cache-control'));
    }
    expect(looked).toBeLessThan(concurrent * perRequest);
  });

  it('a client reads its own write: a read after a mutation never joins an older read', async () => {
    const token = await devToken('admin1', 'admin:products');
    const read = '{ product(id: "p5") { id price } }';
    await stack.query(read, { token });
    const mutation = await stack.query(
      'mutation { updateProductPrice(id: "p5", price: 1234.5) { id price } }',
      { token },
    );
    expect(mutation.status).toBe(200);
    const after = await stack.query(read, { token });
    expect(after.body.data.product.price).toBe(1234.5);
  });
});
