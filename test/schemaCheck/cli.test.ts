import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/schemaCheck/check.js';
import { cleanUp, Project } from './harness.js';

afterAll(cleanUp);
// why: creating a project is synchronous work (composition, git); a turn of the event loop between
// tests lets the worker read vitest's RPC replies before they time out.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

const KINDS = [
  'composition',
  'composition-hint',
  'stale-supergraph',
  'base-unavailable',
  'breaking',
  'lost-auth-coverage',
  'cache-policy',
  'cost-risk',
  'operation-invalid',
];
const FIELDS = [
  'kind',
  'severity',
  'message',
  'code',
  'subgraphs',
  'coordinate',
  'file',
  'line',
  'operation',
  'allowed',
];

/** Parses `--json` output and checks every finding has the documented shape. */
function report(stdout: string): { ok: boolean; findings: Finding[] } {
  const parsed = JSON.parse(stdout) as { ok: boolean; findings: Finding[] };
  expect(Object.keys(parsed).sort()).toEqual(['findings', 'ok']);
  for (const f of parsed.findings) {
    expect(KINDS).toContain(f.kind);
    expect(['error', 'warning']).toContain(f.severity);
    expect(typeof f.message).toBe('string');
    for (const key of Object.keys(f)) expect(FIELDS).toContain(key);
  }
  return parsed;
}

const FIXTURE_USER_SCHEMA = path.join(
  import.meta.dirname,
  'fixtures/project/subgraphs/user/schema.graphql',
);
const removeStatus = (p: Project) =>
  p.schema('product', '  status: ProductStatus!\n', '').compose();

// why: each case starts real processes (tsx, composition, git) on a shared, busy machine.
describe('npm run check:schema (the CLI as a process)', { timeout: 120_000 }, () => {
  it('exits 0 on an unchanged project', async () => {
    const result = await Project.create().cli();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('passed');
  });

  it('exits 1 with a --json report on a breaking change', async () => {
    const result = await removeStatus(Project.create()).cli('--json');
    expect(result.code).toBe(1);
    const parsed = report(result.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.findings).toContainEqual(
      expect.objectContaining({
        kind: 'breaking',
        severity: 'error',
        code: 'FIELD_REMOVED',
        coordinate: 'Product.status',
        subgraphs: ['product'],
        file: 'subgraphs/product/schema.graphql',
      }),
    );
  });

  it('exits 0 with --allow-breaking, marking the change allowed', async () => {
    const result = await removeStatus(Project.create()).cli('--json', '--allow-breaking');
    expect(result.code).toBe(0);
    expect(report(result.stdout).findings).toContainEqual(
      expect.objectContaining({ kind: 'breaking', severity: 'warning', allowed: true }),
    );
    const text = await removeStatus(Project.create()).cli('--allow-breaking');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('--allow-breaking');
  });

  it('compares with a supergraph file given as --base, outside git', async () => {
    const project = Project.create({ git: false });
    const base = path.join(project.root, 'base.graphql');
    fs.copyFileSync(path.join(project.root, 'supergraph.graphql'), base);
    const result = await removeStatus(project).cli('--json', '--base', base);
    expect(result.code).toBe(1);
    expect(report(result.stdout).findings.map((f) => f.kind)).toContain('breaking');
  });

  it('exits 0 with a base-unavailable warning outside git', async () => {
    const result = await Project.create({ git: false }).cli('--json');
    expect(result.code).toBe(0);
    expect(report(result.stdout).findings).toEqual([
      expect.objectContaining({ kind: 'base-unavailable', severity: 'warning' }),
    ]);
  });

  it('takes the cost limit from MAX_COST or --max-cost', async () => {
    const project = Project.create();
    for (const result of await Promise.all([
      project.cli('--json', '--max-cost', '15'),
      project.cli('--json', { MAX_COST: '15' }),
    ])) {
      expect(result.code).toBe(1);
      expect(report(result.stdout).findings).toEqual([
        expect.objectContaining({
          kind: 'cost-risk',
          operation: 'Catalog',
          code: 'COST_ESTIMATED_TOO_EXPENSIVE',
        }),
      ]);
    }
  });

  it('exits 1 naming the field and its old and new cache policy; 0 with --allow-cache-change', async () => {
    const project = Project.create({ fixture: 'gateway' })
      .schema('user', '@cacheControl(maxAge: 30, scope: PRIVATE)', '@cacheControl(maxAge: 30)')
      .compose();
    const [failed, allowed] = await Promise.all([
      project.cli(),
      project.cli('--json', '--allow-cache-change'),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Cache policy changes (1):');
    expect(failed.stdout).toContain(
      'Query.me: cache policy PRIVATE maxAge 30s → PUBLIC maxAge 30s',
    );
    expect(allowed.code).toBe(0);
    expect(report(allowed.stdout).findings).toEqual([
      expect.objectContaining({ kind: 'cache-policy', severity: 'warning', allowed: true }),
    ]);
  });

  it('exits 1 naming the new path to protected data and the weakest old one', async () => {
    const project = Project.create({ fixture: 'gateway' })
      .schema(
        'payment',
        'type Mutation {',
        'type Query {\n  payment(id: ID!): Payment\n}\n\ntype Mutation {',
      )
      .compose();
    const result = await project.cli();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'Payment needed @authenticated on every path (weakest: Mutation.createPayment -> Payment), ' +
        'now an anonymous caller reaches it via Query.payment -> Payment',
    );
  });

  it('exits 1 on a removed @listSize naming the operations whose estimate changes; 0 with --allow-cost-change', async () => {
    const project = Project.create({ fixture: 'gateway' })
      .schema(
        'product',
        'String): [Product!]! @listSize(slicingArguments: ["first"])',
        'String): [Product!]!',
      )
      .compose();
    const [failed, allowed] = await Promise.all([
      project.cli(),
      project.cli('--allow-cost-change'),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Query.products: @listSize removed');
    expect(failed.stdout).toContain('CatalogPage 40 → 20');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('--allow-cost-change');
  });

  it.each([
    ['an unknown option', ['--nope']],
    ['a base ref that does not exist', ['--base', 'no-such-ref']],
    ['a base file that does not exist', ['--base', '/nonexistent/base.graphql']],
    ['a base file that is not a supergraph', ['--base', FIXTURE_USER_SCHEMA]],
    ['a bad --max-cost', ['--max-cost', 'lots']],
  ])('exits 2 on %s', async (_name, args) => {
    const result = await Project.create().cli(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });
});
