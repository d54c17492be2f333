import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest } from '../../src/persisted/manifest.js';
import { metric, postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

// Persisted operations are parsed, validated and planned at load: their first request finds its
// plan in the cache (gateway_query_plan_cache_total{outcome="hit"}), and never pays for planning.
const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persisted-warm-'));
const manifestPath = path.join(dir, 'manifest.json');
const screens = ['CheckoutScreen', 'ProductPage', 'CatalogPage'].map((name) => ({
  file: `${name}.graphql`,
  source: fs.readFileSync(path.join(root, 'operations', `${name}.graphql`), 'utf8'),
}));
const write = (files: { file: string; source: string }[]) =>
  fs.writeFileSync(manifestPath, JSON.stringify(buildManifest(files)));
write(screens);
const manifest = buildManifest(screens);
const idOf = (name: string) => manifest.operations.find((o) => o.name === name)!.id;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const misses = (stack: Stack) => metric(stack, 'gateway_query_plan_cache_total{outcome="miss"}');
const hits = (stack: Stack) => metric(stack, 'gateway_query_plan_cache_total{outcome="hit"}');
const persisted = (id: string) => ({
  extensions: { persistedQuery: { version: 1, sha256Hash: id } },
});

describe.each(['safelist', 'allow'])('warming persisted operations (%s mode)', (mode) => {
  let stack: Stack;
  beforeAll(async () => {
    write(screens);
    stack = await startStack({
      env: { PERSISTED_OPERATIONS: mode, PERSISTED_OPERATIONS_MANIFEST: manifestPath },
    });
  });
  afterAll(() => stack?.stop());

  it('plans every manifest operation before the first request, and never calls a subgraph to do it', async () => {
    expect(await metric(stack, 'gateway_persisted_operations_warmed')).toBe(3);
    expect(stack.subgraphs.product.stats.requests).toBe(0);
    expect(stack.subgraphs.user.stats.requests).toBe(0);
    // A warm-up is not a request: nothing is counted under gateway_requests_total, nor as the
    // execution of a plan.
    expect(await metric(stack, 'gateway_requests_total')).toBe(0);
    expect(await metric(stack, 'gateway_plan_executions_total')).toBe(0);
  });

  it('serves the first request of a screen by id from the warmed plan, with every check still applied', async () => {
    const token = await devToken('u42', 'read:email read:payments');
    const [missesBefore, hitsBefore] = [await misses(stack), await hits(stack)];
    const { status, body } = await postGraphQL(stack.url, persisted(idOf('CheckoutScreen')), {
      token,
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.me.email).toMatch(/@/);
    expect(body.extensions.cost.estimated).toBeGreaterThan(0);
    expect(await misses(stack)).toBe(missesBefore);
    expect(await hits(stack)).toBe(hitsBefore + 1);
  });

  it('plans on first use what authorization filtered for a caller without the scopes', async () => {
    const token = await devToken('u7', '');
    const missesBefore = await misses(stack);
    const { status, body } = await postGraphQL(stack.url, persisted(idOf('CheckoutScreen')), {
      token,
    });
    expect(status).toBe(200);
    expect(body.data.me.email).toBeNull();
    expect(body.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    expect(await misses(stack)).toBe(missesBefore + 1);
  });

  it('warms an operation added to the manifest without a restart', async () => {
    const added = {
      file: 'UserProfile.graphql',
      source: fs.readFileSync(path.join(root, 'operations/UserProfile.graphql'), 'utf8'),
    };
    write([...screens, added]);
    await expect
      .poll(() => metric(stack, 'gateway_persisted_operations_warmed'), { timeout: 5000 })
      .toBe(4);
    const id = buildManifest([added]).operations[0]!.id;
    const token = await devToken('u42', 'read:email read:payments');
    const missesBefore = await misses(stack);
    const { status, body } = await postGraphQL(
      stack.url,
      { ...persisted(id), variables: { id: 'u7' } },
      { token },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(await misses(stack)).toBe(missesBefore);
  });

  it('warms again after the supergraph changes (a new supergraph empties the plan cache)', async () => {
    const sdl = fs.readFileSync(stack.supergraphPath, 'utf8');
    const warmedBefore = Number(await metric(stack, 'gateway_persisted_operations_warmed'));
    const missesBeforeReload = await misses(stack);
    // A new description is a different supergraph: the gateway replans everything.
    fs.writeFileSync(
      stack.supergraphPath,
      sdl.replace('type Product', '"Changed by a test"\ntype Product'),
    );
    await expect
      .poll(() => metric(stack, 'gateway_supergraph_reloads_total{outcome="ok"}'), {
        timeout: 5000,
      })
      .toBe(1);
    // The warm-up after a reload plans every operation again, with and without its name: two
    // misses each in the emptied plan cache. Then the next request of a screen is a hit.
    await expect
      .poll(() => misses(stack), { timeout: 5000 })
      .toBe(missesBeforeReload + 2 * warmedBefore);
    expect(await metric(stack, 'gateway_persisted_operations_warmed')).toBe(warmedBefore);
    const missesBefore = await misses(stack);
    const { status, body } = await postGraphQL(stack.url, {
      ...persisted(idOf('ProductPage')),
      variables: { id: 'p42' },
    });
    expect(status).toBe(200);
    expect(body.data.product.id).toBe('p42');
    expect(await misses(stack)).toBe(missesBefore);
  });
});
