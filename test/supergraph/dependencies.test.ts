/**
 * The gateway runs on its dependencies' public APIs only: the `@apollo/*` federation packages move
 * together (one exact version, pinned and installed), and no file in `src/` imports a package's
 * internal path or reaches into a module through `require`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const FEDERATION = [
  '@apollo/composition',
  '@apollo/federation-internals',
  '@apollo/gateway',
  '@apollo/query-graphs',
  '@apollo/query-planner',
  '@apollo/subgraph',
];

const readJson = (file: string) =>
  JSON.parse(fs.readFileSync(file, 'utf8')) as {
    version?: string;
    dependencies?: Record<string, string>;
  };

describe('@apollo federation packages', () => {
  it('are pinned to one exact version, and that version is installed for each', () => {
    const declared = readJson(path.join(root, 'package.json')).dependencies ?? {};
    const pinned = FEDERATION.filter((name) => declared[name] !== undefined).map(
      (name) => declared[name],
    );
    expect(pinned.length).toBeGreaterThan(0);
    for (const range of pinned) expect(range).toMatch(/^\d+\.\d+\.\d+$/);
    expect(new Set(pinned).size).toBe(1);
    const installed = Object.fromEntries(
      FEDERATION.map((name) => [
        name,
        readJson(path.join(root, 'node_modules', name, 'package.json')).version,
      ]),
    );
    expect(new Set(Object.values(installed)), JSON.stringify(installed)).toEqual(new Set(pinned));
  });
});

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('src/', () => {
  const files = sourceFiles(path.join(root, 'src'));
  const SPECIFIER = /(?:from\s+|import\s*\(\s*|require(?:\.resolve)?\s*\(\s*)['"]([^'"]+)['"]/g;

  it('imports no internal path of a package', () => {
    const internal: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const [, specifier] of text.matchAll(SPECIFIER))
        if (specifier && /\/(dist|src|lib)\//.test(`${specifier}/`) && !specifier.startsWith('.'))
          internal.push(`${path.relative(root, file)}: ${specifier}`);
    }
    expect(internal).toEqual([]);
  });

  it('assigns to no imported module namespace', () => {
    const assigned: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const [, name] of text.matchAll(/import\s+\*\s+as\s+(\w+)/g))
        if (new RegExp(`\\b${name}\\.\\w+\\s*=[^=]`).test(text))
          assigned.push(`${path.relative(root, file)}: ${name}`);
      if (/module\.exports|exports\.\w+\s*=[^=]/.test(text))
        assigned.push(path.relative(root, file));
    }
    expect(assigned).toEqual([]);
  });
});
