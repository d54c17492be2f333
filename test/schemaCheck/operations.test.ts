import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { findExpensiveOperations } from '../../src/schemaCheck/costRisk.js';
import { readOperationFiles, validateOperations } from '../../src/schemaCheck/operations.js';
import { buildSupergraphView } from '../../src/schemaCheck/supergraphView.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('operations/: the frontend screens', () => {
  const view = buildSupergraphView(fs.readFileSync(path.join(ROOT, 'supergraph.graphql'), 'utf8'));
  const files = readOperationFiles(ROOT);
  const { findings, valid } = validateOperations(files, view.api, () => []);

  it('holds CheckoutScreen exactly as DESIGN.md shows it, and other screens', () => {
    expect(valid.map((o) => o.name)).toEqual(
      expect.arrayContaining([
        'CheckoutScreen',
        'ProductPage',
        'CatalogPage',
        'UserProfile',
        'PaymentHistory',
        'CatalogDeep',
      ]),
    );
    expect(fs.readFileSync(path.join(ROOT, 'operations/CheckoutScreen.graphql'), 'utf8')).toBe(
      [
        'query CheckoutScreen {',
        '  me { name email payments(first: 5) { amount status product { name price } } }',
        '  products(first: 10) { name price seller { name } }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('validate against the committed supergraph and stay under the default MAX_COST', () => {
    expect(findings).toEqual([]);
    const { cost } = loadConfig({});
    expect(findExpensiveOperations(valid, view.api, view.index, cost)).toEqual([]);
  });
});
