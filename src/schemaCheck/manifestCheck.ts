import fs from 'node:fs';
import path from 'node:path';
import { buildManifest } from '../persisted/manifest.js';
import type { Finding } from './findings.js';
import type { OperationFile } from './operations.js';

const MANIFEST = 'operations/manifest.json';

/**
 * The committed persisted-operations manifest must list exactly the screens in `operations/`
 * (same ids, names and bodies): a gateway in safelist mode would otherwise refuse a shipped screen
 * or run a removed one. No manifest committed: nothing to check.
 */
export function staleManifest(root: string, files: readonly OperationFile[]): Finding[] {
  const file = path.join(root, MANIFEST);
  if (!fs.existsSync(file)) return [];
  const fix = 'run `npm run operations:manifest` and commit the result';
  let committed: { operations?: { id?: unknown; name?: unknown }[] };
  try {
    committed = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof committed;
  } catch {
    return [
      {
        kind: 'stale-manifest',
        severity: 'error',
        message: `${MANIFEST} is not valid JSON: ${fix}`,
        file: MANIFEST,
      },
    ];
  }
  let expected: string[];
  try {
    expected = buildManifest(files).operations.map((op) => `${op.name} ${op.id}`);
  } catch {
    return []; // the operations themselves are broken: reported by the operation checks
  }
  const actual = (committed.operations ?? [])
    .map((op) => `${String(op.name)} ${String(op.id)}`)
    .sort();
  if (JSON.stringify(actual) === JSON.stringify([...expected].sort())) return [];
  return [
    {
      kind: 'stale-manifest',
      severity: 'error',
      message: `${MANIFEST} does not match operations/: ${fix}`,
      file: MANIFEST,
    },
  ];
}
