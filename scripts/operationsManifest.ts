/**
 * `npm run operations:manifest`: operations/*.graphql → operations/manifest.json, in the
 * apollo-persisted-query-manifest format (id = sha256 of the normalized document), with each
 * operation's estimated cost under the current supergraph.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { loadConfig } from '../src/config/config.js';
import { estimateCost } from '../src/cost/estimate.js';
import { buildManifest } from '../src/persisted/manifest.js';
import { buildSupergraphView } from '../src/schemaCheck/supergraphView.js';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, 'operations');
const out = path.join(dir, 'manifest.json');
const config = loadConfig(process.env, root);
const view = buildSupergraphView(fs.readFileSync(path.join(root, 'supergraph.graphql'), 'utf8'));
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.graphql'))
  .sort()
  .map((file) => ({
    file: path.join('operations', file),
    source: fs.readFileSync(path.join(dir, file), 'utf8'),
  }));
const manifest = buildManifest(files, (body) => {
  const result = estimateCost({
    document: parse(body),
    schema: view.api,
    index: view.index,
    defaultListSize: config.cost.defaultListSize,
  });
  return result.ok ? result.cost : undefined;
});
fs.writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`Wrote ${path.relative(root, out)} (${manifest.operations.length} operations)`);
