import { describe, expect, it } from 'vitest';
import { buildManifest, indexManifest, normalize, sha256 } from '../../src/persisted/manifest.js';
import { resolvePersisted, type PersistedMode } from '../../src/persisted/resolve.js';

const manifest = buildManifest([
  { file: 'a.graphql', source: 'query A { products(first: 1) { id } }' },
]);
const index = indexManifest(manifest);
const op = manifest.operations[0]!;

describe('manifest', () => {
  it('ids are the sha256 of the normalized body', () => {
    expect(op.id).toBe(sha256(normalize('query A {products(first:1){id}}')));
    expect(op).toMatchObject({ name: 'A', type: 'query' });
  });
  it.each([
    ['wrong format', { format: 'x', version: 1, operations: [] }],
    [
      'id not matching the body',
      {
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ ...op, id: sha256('other') }],
      },
    ],
    [
      'missing body',
      { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: op.id }] },
    ],
  ])('refuses a manifest with %s', (_name, value) => {
    expect(() => indexManifest(value)).toThrow();
  });
  it('refuses a screen file with two operations', () => {
    expect(() =>
      buildManifest([
        { file: 'b.graphql', source: 'query A { __typename } query B { __typename }' },
      ]),
    ).toThrow(/b.graphql/);
  });
});

const cases: [PersistedMode, { query?: string; id?: string }, boolean, string | undefined][] = [
  // mode, input, requireId → ok, code or substituted query
  ['off', { id: op.id }, false, undefined],
  ['allow', { id: op.id }, false, op.body],
  ['allow', { id: sha256('unknown') }, false, undefined],
  ['allow', { query: '{ __typename }' }, false, undefined],
  ['safelist', { id: op.id }, false, op.body],
  ['safelist', { query: op.body }, false, op.body],
  ['safelist', { query: 'query A{products(first:1){id}}' }, false, op.body],
  [
    'safelist',
    { query: op.body.replace('first: 1', 'first: 2') },
    false,
    'PERSISTED_QUERY_NOT_IN_LIST',
  ],
  ['safelist', { query: '{ unclosed' }, false, 'PERSISTED_QUERY_NOT_IN_LIST'],
  ['safelist', { id: sha256('unknown') }, false, 'PERSISTED_QUERY_NOT_IN_LIST'],
  ['safelist', { id: op.id, query: op.body }, false, 'CANNOT_SEND_PQ_ID_AND_BODY'],
  ['safelist', { query: op.body }, true, 'PERSISTED_QUERY_ID_REQUIRED'],
];

describe('resolvePersisted', () => {
  it.each(cases)('%s %j (requireId %s) → %s', (mode, input, requireId, expected) => {
    const decision = resolvePersisted(mode, index, { query: input.query, id: input.id }, requireId);
    if (decision.ok) expect(decision.query).toBe(expected);
    else expect(decision.code).toBe(expected);
  });
});
