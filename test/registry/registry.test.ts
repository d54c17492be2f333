/**
 * The schema registry over HTTP, on both stores: a temporary folder and the PostgreSQL this machine
 * runs (a schema of its own per run, dropped afterwards). Real subgraph schemas, real JWTs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/postgres.js';
import {
  SUBGRAPHS,
  startTestRegistry,
  subgraphSdl,
  type StoreKind,
  type TestRegistry,
} from '../helpers/registry.js';

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'operations/manifest.json'), 'utf8'));
const urlOf = (name: string) => `http://${name}.internal:4000/graphql`;
const withoutPrice = subgraphSdl('product').replace(/^\s*price: Float!.*$/m, '');

const kinds: StoreKind[] = ['directory'];
if (await postgresAvailable()) kinds.push('postgresql');

describe.each(kinds)('schema registry on the %s store', (kind) => {
  let registry: TestRegistry;
  let publisher: string;
  let firstId: string;

  beforeAll(async () => {
    registry = await startTestRegistry(kind, 'registry');
    publisher = await registry.token('schema:publish:*');
  });
  afterAll(() => registry?.stop());

  const publish = (name: string, sdl: string, token = publisher) =>
    registry.call('POST', `/subgraphs/${name}/publish`, {
      token,
      body: { sdl, url: urlOf(name), commit: 'abc123', author: 'team' },
    });

  it('publishes each subgraph, composing it with the others, and serves the supergraph with an ETag', async () => {
    for (const name of SUBGRAPHS) {
      const response = await publish(name, subgraphSdl(name));
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ ok: true, supergraphId: expect.any(String) });
      firstId = response.body.supergraphId;
    }
    const supergraph = await registry.call('GET', '/supergraph');
    expect(supergraph.status).toBe(200);
    expect(supergraph.headers.get('etag')).toBe(`"${firstId}"`);
    expect(createHash('sha256').update(supergraph.body).digest('hex')).toBe(firstId);
    for (const name of SUBGRAPHS) expect(supergraph.body).toContain(urlOf(name));

    const again = await registry.call('GET', '/supergraph', {
      headers: { 'if-none-match': `"${firstId}"` },
    });
    expect(again.status).toBe(304);
  });

  it('says so when an identical schema is published again, and stores nothing', async () => {
    const response = await publish('user', subgraphSdl('user'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, unchanged: true, supergraphId: firstId });
    const versions = await registry.call('GET', '/subgraphs/user/versions');
    expect(versions.body.versions).toHaveLength(1);
    expect(versions.body.versions[0]).toMatchObject({
      version: 1,
      commit: 'abc123',
      author: 'team',
    });
  });

  it('registers the frontend operations (persisted-operations manifest)', async () => {
    const refused = await registry.call('POST', '/operations', {
      token: publisher,
      body: manifest,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const token = await registry.token('operations:publish');
    const response = await registry.call('POST', '/operations', { token, body: manifest });
    expect(response.status).toBe(200);
    const bad = await registry.call('POST', '/operations', { token, body: { operations: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a breaking publish with the findings naming the operations it breaks, storing nothing', async () => {
    const check = await registry.call('POST', '/subgraphs/product/check', {
      token: publisher,
      body: { sdl: withoutPrice, url: urlOf('product') },
    });
    expect(check.status).toBe(422);
    const response = await publish('product', withoutPrice);
    expect(response.status).toBe(422);
    expect(response.body.ok).toBe(false);
    const findings = response.body.findings as {
      kind: string;
      coordinate?: string;
      operation?: string;
    }[];
    expect(findings).toContainEqual(
      expect.objectContaining({ kind: 'breaking', coordinate: 'Product.price' }),
    );
    expect(findings).toContainEqual(
      expect.objectContaining({ kind: 'operation-invalid', operation: 'CheckoutScreen' }),
    );
    const current = await registry.call('GET', '/supergraph');
    expect(current.headers.get('etag')).toBe(`"${firstId}"`);
    const versions = await registry.call('GET', '/subgraphs/product/versions');
    expect(versions.body.versions).toHaveLength(1);
  });

  it('answers 400 with the parse error for SDL that does not parse', async () => {
    const response = await publish('product', 'type Product { id: ID! ');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.body.findings[0]).toMatchObject({
      kind: 'composition',
      subgraphs: ['product'],
    });
    expect(response.body.findings[0].line).toBeGreaterThan(0);
  });

  it('refuses callers without a valid token (401) or without the scope for that subgraph (403)', async () => {
    const body = { sdl: subgraphSdl('product'), url: urlOf('product') };
    const anonymous = await registry.call('POST', '/subgraphs/product/publish', {
      token: null,
      body,
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    const expired = await registry.issuer.mint(
      { sub: 'ci', scope: 'schema:publish:*' },
      { ttlSec: -120 },
    );
    const late = await registry.call('POST', '/subgraphs/product/publish', {
      token: expired,
      body,
    });
    expect(late.status).toBe(401);
    const userTeam = await registry.token('schema:publish:user');
    const other = await registry.call('POST', '/subgraphs/product/publish', {
      token: userTeam,
      body,
    });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
    // The same token may publish its own subgraph.
    const own = await registry.call('POST', '/subgraphs/user/check', {
      token: userTeam,
      body: { sdl: subgraphSdl('user'), url: urlOf('user') },
    });
    expect(own.status).toBe(200);
    const reads = await registry.call('GET', '/subgraphs', { token: null });
    expect(reads.status).toBe(401);
    const traversal = await registry.call('GET', '/subgraphs/%2e%2e%2fsupergraphs/versions');
    expect(traversal.status).toBe(400);
    expect((await registry.call('GET', '/subgraphs/%E0%A4%A/versions')).status).toBe(400);
  });

  it('lands concurrent publishes of different subgraphs, each composed with the other', async () => {
    const product = subgraphSdl('product').replace(
      /^(\s*)price: Float!/m,
      '$1weight: Float\n$1price: Float!',
    );
    const user = subgraphSdl('user').replace(
      /^(\s*)name: String!/m,
      '$1nickname: String\n$1name: String!',
    );
    expect(product).toContain('weight: Float');
    expect(user).toContain('nickname: String');
    const [a, b] = await Promise.all([publish('product', product), publish('user', user)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const supergraph = await registry.call('GET', '/supergraph');
    expect(supergraph.body).toContain('weight: Float');
    expect(supergraph.body).toContain('nickname: String');
    const subgraphs = await registry.call('GET', '/subgraphs');
    const versions = Object.fromEntries(
      (subgraphs.body.subgraphs as { name: string; version: number }[]).map((s) => [
        s.name,
        s.version,
      ]),
    );
    expect(versions).toEqual({ payment: 1, product: 2, user: 2 });
  });

  it('rolls back to an earlier supergraph (schema:admin only) and keeps the history', async () => {
    const body = { supergraphId: firstId };
    const publisherTry = await registry.call('POST', '/supergraph/rollback', {
      token: publisher,
      body,
    });
    expect(publisherTry.status).toBe(403);
    const admin = await registry.token('schema:admin');
    const unknown = await registry.call('POST', '/supergraph/rollback', {
      token: admin,
      body: { supergraphId: '0'.repeat(64) },
    });
    expect(unknown.status).toBe(404);
    const response = await registry.call('POST', '/supergraph/rollback', { token: admin, body });
    expect(response.status).toBe(200);
    const supergraph = await registry.call('GET', '/supergraph');
    expect(supergraph.headers.get('etag')).toBe(`"${firstId}"`);
    expect(supergraph.body).not.toContain('weight: Float');
    const history = await registry.call('GET', '/supergraphs');
    const actions = (history.body.history as { action: string; supergraphId: string }[]).map(
      (h) => h.action,
    );
    expect(actions.at(-1)).toBe('rollback');
    expect(actions.filter((a) => a === 'publish').length).toBeGreaterThanOrEqual(5);
    // After the rollback, the current versions are the ones that supergraph was built from.
    const subgraphs = await registry.call('GET', '/subgraphs');
    expect((subgraphs.body.subgraphs as { version: number }[]).every((s) => s.version === 1)).toBe(
      true,
    );
  });
});
