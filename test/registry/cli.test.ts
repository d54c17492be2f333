/**
 * `npm run schema` as a subgraph's CI runs it: the real CLI process against a registry on a free
 * port (directory store), with real tokens. Exit codes 0/1/2 as `npm run check:schema`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'operations/manifest.json'), 'utf8'));

function schemaCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/schema.ts', ...args],
      { cwd: root, env: { ...process.env, INIT_CWD: root, NODE_ENV: 'test' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run schema', () => {
  let registry: TestRegistry;
  let token: string;
  let dir: string;
  const common = () => ['--registry', registry.url, '--token', token];
  const publishArgs = (name: string, file = `subgraphs/${name}/schema.graphql`) => [
    '--subgraph',
    name,
    '--schema',
    file,
    '--url',
    `http://${name}.internal/graphql`,
  ];

  beforeAll(async () => {
    registry = await startTestRegistry('directory', 'cli');
    token = await registry.token('schema:publish:* schema:admin');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-cli-'));
  });
  afterAll(async () => {
    await registry?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes each subgraph (exit 0) and lists the history', async () => {
    for (const name of ['product', 'user', 'payment']) {
      const result = await schemaCli(['publish', ...publishArgs(name), ...common()]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('published');
    }
    const history = await schemaCli(['history', ...common()]);
    expect(history.code).toBe(0);
    expect(history.stdout.trim().split('\n')).toHaveLength(3);
  }, 120_000); // three CLI processes in a row: a generous bound for a loaded machine

  it('fails a breaking check (exit 1) with the findings check:schema prints, in text and JSON', async () => {
    const operations = await registry.token('operations:publish');
    expect(
      (await registry.call('POST', '/operations', { token: operations, body: manifest })).status,
    ).toBe(200);
    const file = path.join(dir, 'product.graphql');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(path.join(root, 'subgraphs/product/schema.graphql'), 'utf8')
        .replace(/^\s*price: Float!.*$/m, ''),
    );
    const text = await schemaCli(['check', ...publishArgs('product', file), ...common()]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('Breaking changes');
    expect(text.stdout).toContain('operation CheckoutScreen');
    const json = await schemaCli(['check', ...publishArgs('product', file), ...common(), '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, findings: expect.any(Array) });
  });

  it('refuses a token without the scope (exit 1) and bad usage (exit 2)', async () => {
    const other = await registry.token('schema:publish:user');
    const denied = await schemaCli([
      'check',
      ...publishArgs('product'),
      '--registry',
      registry.url,
      '--token',
      other,
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('FORBIDDEN');
    const usage = await schemaCli(['publish', '--subgraph', 'product', ...common()]);
    expect(usage.code).toBe(2);
  });
});
