import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, sha256 } from '../../src/persisted/manifest.js';
import { recordLog } from '../helpers/logs.js';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persisted-'));
const manifestPath = path.join(dir, 'manifest.json');
const writeManifest = (sources: string[]) =>
  fs.writeFileSync(
    manifestPath,
    JSON.stringify(buildManifest(sources.map((source, i) => ({ file: `${i}.graphql`, source })))),
  );
const PRODUCT = 'query ProductName($id: ID!) { product(id: $id) { id name } }';
writeManifest([PRODUCT]);
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as ReturnType<
  typeof buildManifest
>;
const productOp = manifest.operations[0]!;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const pq = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });

describe('safelist mode', () => {
  let stack: Stack;
  const recorded = recordLog();
  beforeAll(async () => {
    stack = await startStack({
      env: { PERSISTED_OPERATIONS: 'safelist', PERSISTED_OPERATIONS_MANIFEST: manifestPath },
      log: recorded.log,
    });
  });
  afterAll(() => stack?.stop());

  it('runs a listed operation by id (extensions.persistedQuery or documentId)', async () => {
    for (const body of [
      { extensions: pq(productOp.id), variables: { id: 'p3' } },
      { documentId: productOp.id, variables: { id: 'p3' } },
    ]) {
      const { status, body: json } = await postGraphQL(stack.url, body);
      expect(status).toBe(200);
      expect(json.data.product.id).toBe('p3');
    }
  });

  it('runs a listed operation sent by its identical body', async () => {
    const { status, body } = await stack.query(productOp.body, { variables: { id: 'p4' } });
    expect(status).toBe(200);
    expect(body.data.product.id).toBe('p4');
  });

  it.each([
    ['an unknown id', { extensions: pq(sha256('nope')) }, 'PERSISTED_QUERY_NOT_IN_LIST'],
    [
      'a body one character off',
      { query: productOp.body.replace('name', 'nam') + '' },
      'PERSISTED_QUERY_NOT_IN_LIST',
    ],
    [
      'a free-form document',
      { query: '{ products(first: 1) { id } }' },
      'PERSISTED_QUERY_NOT_IN_LIST',
    ],
    [
      'an id and a body',
      { query: productOp.body, extensions: pq(productOp.id) },
      'CANNOT_SEND_PQ_ID_AND_BODY',
    ],
  ])('refuses %s with 400', async (_name, body, code) => {
    stack.resetStats();
    const { status, body: json } = await postGraphQL(stack.url, body);
    expect(status).toBe(400);
    expect(json.errors[0].extensions.code).toBe(code);
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('serves a listed query by id over GET', async () => {
    const params = new URLSearchParams({
      extensions: JSON.stringify(pq(productOp.id)),
      variables: JSON.stringify({ id: 'p9' }),
    });
    const response = await fetch(`${stack.url}?${params.toString()}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { product: { id: string } } }).data.product.id).toBe(
      'p9',
    );
  });

  it('picks up a manifest change without a restart, and keeps the last good one on a broken file', async () => {
    const next = 'query Cheap { products(first: 1) { id } }';
    writeManifest([PRODUCT, next]);
    await expect.poll(async () => (await stack.query(next)).status, { timeout: 5000 }).toBe(200);
    const from = recorded.messages.length;
    fs.writeFileSync(manifestPath, '{ not json');
    await recorded.waitForMessage('persisted operations manifest reload failed', from);
    expect((await stack.query(next)).status).toBe(200);
  });
});

describe('allow mode with automatic persisted queries', () => {
  let stack: Stack;
  beforeAll(async () => {
    writeManifest([PRODUCT]);
    stack = await startStack({
      env: { PERSISTED_OPERATIONS: 'allow', PERSISTED_OPERATIONS_MANIFEST: manifestPath },
    });
  });
  afterAll(() => stack?.stop());

  it('registers a document then serves it by hash; an unknown hash is PERSISTED_QUERY_NOT_FOUND', async () => {
    const query = '{ products(first: 2) { id } }';
    const hash = sha256(query);
    const miss = await postGraphQL(stack.url, { extensions: pq(hash) });
    expect(miss.status).toBe(200);
    expect(miss.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await postGraphQL(stack.url, { query, extensions: pq(hash) });
    expect(registered.body.data.products).toHaveLength(2);
    const hit = await postGraphQL(stack.url, { extensions: pq(hash) });
    expect(hit.body.data.products).toHaveLength(2);
  });

  it('accepts manifest ids and free-form documents', async () => {
    expect(
      (await postGraphQL(stack.url, { extensions: pq(productOp.id), variables: { id: 'p1' } })).body
        .data.product.id,
    ).toBe('p1');
    expect((await stack.query('{ product(id: "p2") { id } }')).body.data.product.id).toBe('p2');
  });
});

describe('off mode', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: { PERSISTED_OPERATIONS: 'off', PERSISTED_OPERATIONS_MANIFEST: manifestPath },
    });
  });
  afterAll(() => stack?.stop());

  it('runs documents and refuses hashes', async () => {
    expect((await stack.query('{ product(id: "p2") { id } }')).status).toBe(200);
    const { status, body } = await postGraphQL(stack.url, { extensions: pq(productOp.id) });
    expect(status).toBeGreaterThanOrEqual(200);
    expect(body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });
});

describe('persisted operations keep every protection', () => {
  const ME = 'query Me { me { name email } }';
  const BIG = 'query Big { products(first: 100) { id seller { id } } }';
  let stack: Stack;
  let meId: string;
  let bigId: string;
  beforeAll(async () => {
    writeManifest([ME, BIG]);
    const ops = (
      JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as ReturnType<typeof buildManifest>
    ).operations;
    meId = ops.find((o) => o.name === 'Me')!.id;
    bigId = ops.find((o) => o.name === 'Big')!.id;
    stack = await startStack({
      env: {
        PERSISTED_OPERATIONS: 'safelist',
        PERSISTED_OPERATIONS_MANIFEST: manifestPath,
        MAX_COST: '150',
        RATE_LIMIT_CAPACITY: '10',
        RATE_LIMIT_REFILL_PER_SECOND: '0.001',
      },
    });
  });
  afterAll(() => stack?.stop());

  it('applies field authorization to a persisted operation', async () => {
    const anonymous = await postGraphQL(stack.url, { documentId: meId });
    expect(anonymous.body.data.me).toBeNull();
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    const token = await devToken('u5', '');
    const scoped = await postGraphQL(stack.url, { documentId: meId }, { token });
    expect(scoped.body.data.me.name).toBeTruthy();
    expect(scoped.body.data.me.email).toBeNull();
  });

  it('refuses a persisted operation over the cost maximum', async () => {
    stack.resetStats();
    const { status, body } = await postGraphQL(stack.url, { documentId: bigId });
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('takes persisted operations from the caller’s budget', async () => {
    const token = await devToken('budget-user', '');
    let last = await postGraphQL(stack.url, { documentId: meId }, { token });
    for (let i = 0; i < 20 && last.status !== 429; i++)
      last = await postGraphQL(stack.url, { documentId: meId }, { token });
    expect(last.status).toBe(429);
    expect(last.body.errors[0].extensions.code).toBe('REQUEST_RATE_LIMITED');
  });
});
