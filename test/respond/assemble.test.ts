import { describe, expect, it } from 'vitest';
import { assembleResponse } from '../../src/respond.js';

describe('one response assembly', () => {
  it('merges two features into one extension, in the order of the parts', () => {
    const { extensions, headers } = assembleResponse([
      ['cost', { extensions: { cost: { estimated: 3, actual: 2, limit: 1000 } } }],
      [
        'rateLimit',
        {
          extensions: { cost: { budgetRemaining: 97 } },
          headers: { 'RateLimit-Limit': '100', 'ratelimit-remaining': '97' },
        },
      ],
      ['cache', { headers: { 'cache-control': 'no-store' } }],
      ['degraded', undefined],
    ]);
    expect(JSON.stringify(extensions)).toBe(
      '{"cost":{"estimated":3,"actual":2,"limit":1000,"budgetRemaining":97}}',
    );
    expect([...headers]).toEqual([
      ['ratelimit-limit', '100'],
      ['ratelimit-remaining', '97'],
      ['cache-control', 'no-store'],
    ]);
  });

  it('keeps a feature’s contribution intact: merging copies, never writes into it', () => {
    const cost = { estimated: 1, actual: null, limit: 10 };
    assembleResponse([
      ['cost', { extensions: { cost } }],
      ['rateLimit', { extensions: { cost: { budgetRemaining: 5 } } }],
    ]);
    expect(cost).toEqual({ estimated: 1, actual: null, limit: 10 });
  });

  it.each([
    [
      'one key of a shared extension',
      { cost: { limit: 1 } },
      { cost: { limit: 2 } },
      undefined,
      undefined,
    ],
    [
      'a whole extension',
      { degradedSubgraphs: ['a'] },
      { degradedSubgraphs: ['b'] },
      undefined,
      undefined,
    ],
    ['an object over a value', { cost: 1 }, { cost: { limit: 2 } }, undefined, undefined],
    ['one header, whatever its case', undefined, undefined, { Vary: 'a' }, { vary: 'b' }],
  ])(
    'fails loudly when two features write %s',
    (_case, first, second, firstHeaders, secondHeaders) => {
      expect(() =>
        assembleResponse([
          ['one', { extensions: first, headers: firstHeaders }],
          ['two', { extensions: second, headers: secondHeaders }],
        ]),
      ).toThrow(/response parts one and two both write/);
    },
  );
});
