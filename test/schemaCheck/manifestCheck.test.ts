import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../src/persisted/manifest.js';
import { staleManifest } from '../../src/schemaCheck/manifestCheck.js';

const files = [{ file: 'operations/A.graphql', source: 'query A { products(first: 1) { id } }' }];

function withManifest(content: string | undefined, run: (root: string) => void): void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-check-'));
  fs.mkdirSync(path.join(root, 'operations'));
  if (content !== undefined) fs.writeFileSync(path.join(root, 'operations/manifest.json'), content);
  try {
    run(root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('stale persisted-operations manifest', () => {
  it.each([
    ['current manifest', JSON.stringify(buildManifest(files)), 0],
    ['no manifest committed', undefined, 0],
    ['a screen missing from the manifest', JSON.stringify(buildManifest([])), 1],
    [
      'a screen changed since',
      JSON.stringify(
        buildManifest([{ file: 'x', source: 'query A { products(first: 2) { id } }' }]),
      ),
      1,
    ],
    ['not JSON', '{', 1],
  ])('%s → %i finding(s)', (_name, content, count) => {
    withManifest(content, (root) => {
      const findings = staleManifest(root, files);
      expect(findings).toHaveLength(count);
      for (const f of findings)
        expect(f).toMatchObject({ kind: 'stale-manifest', severity: 'error' });
    });
  });
});
