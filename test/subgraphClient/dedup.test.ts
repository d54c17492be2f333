/** The pure parts of subgraph fetch deduplication, one case a test. */
import { describe, expect, it } from 'vitest';
import {
  callerIdentity,
  compactEntities,
  fetchKey,
  InflightFetches,
} from '../../src/subgraphClient/dedup.js';

/** A fetch the test settles by hand, recording the signal it was given. */
function manualFetch<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const calls: AbortSignal[] = [];
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const run = (signal: AbortSignal) => {
    calls.push(signal);
    return promise;
  };
  return { run, calls, resolve, reject };
}

describe('InflightFetches', () => {
  it('runs one fetch for identical keys in flight; the first caller leads', async () => {
    const inflight = new InflightFetches<string>();
    const fetch = manualFetch<string>();
    const joined = [1, 2, 3].map(() => inflight.join('k', undefined, fetch.run));
    fetch.resolve('answer');
    expect(await Promise.all(joined)).toEqual([
      { value: 'answer', leader: true },
      { value: 'answer', leader: false },
      { value: 'answer', leader: false },
    ]);
    expect(fetch.calls).toHaveLength(1);
    expect(inflight.size).toBe(0);
  });

  it('keeps different keys apart and caches nothing once a fetch is done', async () => {
    const inflight = new InflightFetches<string>();
    let runs = 0;
    const run = () => Promise.resolve(`r${++runs}`);
    await Promise.all([inflight.join('a', undefined, run), inflight.join('b', undefined, run)]);
    await inflight.join('a', undefined, run);
    expect(runs).toBe(3);
  });

  it('a follower whose signal aborts stops waiting; the fetch goes on for the others', async () => {
    const inflight = new InflightFetches<string>();
    const fetch = manualFetch<string>();
    const mine = new AbortController();
    const leader = inflight.join('k', undefined, fetch.run);
    const follower = inflight.join('k', mine.signal, fetch.run);
    mine.abort();
    expect(await follower).toBeUndefined();
    expect(fetch.calls[0]!.aborted).toBe(false);
    fetch.resolve('answer');
    expect(await leader).toEqual({ value: 'answer', leader: true });
  });

  it("the leader's abort is not inherited by its followers", async () => {
    const inflight = new InflightFetches<string>();
    const fetch = manualFetch<string>();
    const own = new AbortController();
    const leader = inflight.join('k', own.signal, fetch.run);
    const follower = inflight.join('k', undefined, fetch.run);
    own.abort();
    expect(await leader).toBeUndefined();
    expect(fetch.calls[0]!.aborted).toBe(false);
    fetch.resolve('answer');
    expect(await follower).toEqual({ value: 'answer', leader: false });
  });

  it('aborts and forgets the fetch once nobody waits; a newcomer starts afresh', async () => {
    const inflight = new InflightFetches<string>();
    const first = manualFetch<string>();
    const a = new AbortController();
    const b = new AbortController();
    const joined = [
      inflight.join('k', a.signal, first.run),
      inflight.join('k', b.signal, first.run),
    ];
    a.abort();
    b.abort();
    expect(await Promise.all(joined)).toEqual([undefined, undefined]);
    expect(first.calls[0]!.aborted).toBe(true);
    const second = manualFetch<string>();
    const late = inflight.join('k', undefined, second.run);
    second.resolve('fresh');
    expect(await late).toEqual({ value: 'fresh', leader: true });
    first.resolve('stale');
  });

  it('an already aborted signal neither starts nor joins a fetch', async () => {
    const inflight = new InflightFetches<string>();
    const fetch = manualFetch<string>();
    expect(await inflight.join('k', AbortSignal.abort(), fetch.run)).toBeUndefined();
    expect(fetch.calls).toHaveLength(0);
  });

  it('a failing fetch rejects every waiter', async () => {
    const inflight = new InflightFetches<string>();
    const fetch = manualFetch<string>();
    const joined = [1, 2].map(() => inflight.join('k', new AbortController().signal, fetch.run));
    fetch.reject(new Error('boom'));
    for (const result of await Promise.allSettled(joined)) expect(result.status).toBe('rejected');
  });
});

describe('callerIdentity and fetchKey', () => {
  const principal = (sub: string, scopes: string[], issuer?: string) => ({
    sub,
    issuer,
    scopes: new Set(scopes),
    claims: {},
  });

  it.each([
    ['anonymous', null, 'anonymous'],
    ['scopes in any order', principal('u1', ['b', 'a'], 'i'), '["i","u1",["a","b"]]'],
    ['no issuer', principal('u1', []), '[null,"u1",[]]'],
  ])('%s', (_name, who, expected) => {
    expect(callerIdentity(who)).toBe(expected);
  });

  it('tells callers, partitions and bodies apart', () => {
    const keys = [
      fetchKey('anonymous', '', '{"query":"{a}"}'),
      fetchKey(callerIdentity(principal('u1', [])), '', '{"query":"{a}"}'),
      fetchKey(callerIdentity(principal('u1', ['read:email'])), '', '{"query":"{a}"}'),
      fetchKey(callerIdentity(principal('u1', [], 'other')), '', '{"query":"{a}"}'),
      fetchKey('anonymous', 'v2', '{"query":"{a}"}'),
      fetchKey('anonymous', '', '{"query":"{b}"}'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('compactEntities', () => {
  const query =
    'query($representations:[_Any!]!){_entities(representations:$representations){...on User{name}}}';
  const user = (id: string) => ({ __typename: 'User', id });
  const request = (representations: unknown[]) => ({
    query,
    variables: { representations },
    operationName: undefined,
  });

  it('leaves fetches without repeated representations alone', () => {
    expect(compactEntities(request([user('u1'), user('u2')]))).toBeUndefined();
    expect(
      compactEntities({ query: '{ a }', variables: undefined, operationName: undefined }),
    ).toBe(undefined);
  });

  it('sends each distinct representation once (key order does not matter)', () => {
    const compact = compactEntities(
      request([user('u1'), user('u2'), { id: 'u1', __typename: 'User' }, user('u2'), user('u3')]),
    )!;
    expect(compact.count).toBe(3);
    expect(JSON.parse(compact.body)).toEqual({
      query,
      variables: { representations: [user('u1'), user('u2'), user('u3')] },
    });
  });

  it('expands the answer to the original positions, each position its own copy', () => {
    const compact = compactEntities(request([user('u1'), user('u2'), user('u1'), user('u1')]))!;
    const response = compact.expand({
      data: { _entities: [{ name: 'Ada', tags: ['x'] }, null] },
    });
    const entities = (response.data as { _entities: { name: string }[] })._entities;
    expect(entities).toEqual([
      { name: 'Ada', tags: ['x'] },
      null,
      { name: 'Ada', tags: ['x'] },
      { name: 'Ada', tags: ['x'] },
    ]);
    expect(entities[0]).not.toBe(entities[2]);
    expect(entities[2]).not.toBe(entities[3]);
  });

  it('repeats an error at every original position of its representation', () => {
    const compact = compactEntities(request([user('u1'), user('u2'), user('u1')]))!;
    const error = (path?: (string | number)[]) => ({ message: 'm', ...(path ? { path } : {}) });
    const response = compact.expand({
      data: { _entities: [null, { name: 'Bo' }] },
      errors: [error(['_entities', 0, 'name']), error(['_entities', 1]), error()],
    });
    expect(response.errors).toEqual([
      error(['_entities', 0, 'name']),
      error(['_entities', 2, 'name']),
      error(['_entities', 1]),
      error(),
    ]);
  });

  it('keeps an answer without `_entities` (data null) with its errors remapped', () => {
    const compact = compactEntities(request([user('u1'), user('u1')]))!;
    expect(
      compact.expand({ data: null, errors: [{ message: 'm', path: ['_entities', 0] }] }),
    ).toEqual({
      data: null,
      errors: [
        { message: 'm', path: ['_entities', 0] },
        { message: 'm', path: ['_entities', 1] },
      ],
    });
  });
});
