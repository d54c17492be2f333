/** `npm run compose`: subgraphs/*\/schema.graphql → supergraph.graphql. */
import fs from 'node:fs';
import path from 'node:path';
import { compose, readSubgraphConfig } from '../src/schemaCheck/compose.js';

const root = path.resolve(import.meta.dirname, '..');
const result = compose(readSubgraphConfig(path.join(root, 'subgraphs/supergraph.yaml')));
if (!result.ok) {
  console.error('Composition failed:');
  for (const error of result.errors)
    console.error(
      `  [${error.code}] ${error.message}${error.subgraphs.length ? ` (subgraphs: ${error.subgraphs.join(', ')})` : ''}`,
    );
  process.exit(1);
}
for (const hint of result.hints) console.warn(`hint: ${hint}`);
fs.writeFileSync(path.join(root, 'supergraph.graphql'), result.supergraphSdl);
console.log('Wrote supergraph.graphql');
