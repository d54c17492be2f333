import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/schemaCheck/check.js';
import { cleanUp, Project } from './harness.js';

afterAll(cleanUp);

const KINDS = [
  'composition',
  'composition-hint',
  'stale-supergraph',
  'base-unavailable',
  'breaking',
  'lost-auth-coverage',
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

describe('npm run check:schema (the CLI as a process)', () => {
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
