import { describe, expect, it } from 'vitest';
import { weakeningWitness } from '../../src/schemaCheck/authCoverage.js';
import type { AccessRequirement } from '../../src/supergraph/directiveIndex.js';

/** `auth` = @authenticated; `scopes`/`policies` as in the directives (OR of ANDs). */
const req = (auth: boolean, scopes?: string[][], policies?: string[][]): AccessRequirement => ({
  authenticated: auth,
  scopes,
  policies,
});
const weaker = (before: AccessRequirement, after: AccessRequirement | undefined) =>
  weakeningWitness(before, after) !== undefined;

describe('weakeningWitness: is the new requirement satisfied by a caller the old one refused?', () => {
  it.each<[string, AccessRequirement, AccessRequirement | undefined, boolean]>([
    ['@authenticated dropped', req(true), undefined, true],
    ['@authenticated kept', req(true), req(true), false],
    [
      '@authenticated replaced by a scope (scopes imply sign-in)',
      req(true),
      req(false, [['a']]),
      false,
    ],
    ['scopes dropped', req(false, [['a']]), undefined, true],
    ['scopes dropped, @authenticated added', req(false, [['a']]), req(true), true],
    ['a scope alternative added', req(false, [['a']]), req(false, [['a'], ['b']]), true],
    ['an alternative needing fewer scopes', req(false, [['a', 'b']]), req(false, [['a']]), true],
    ['a scope added to the alternative', req(false, [['a']]), req(false, [['a', 'b']]), false],
    ['an alternative removed', req(false, [['a'], ['b']]), req(false, [['a']]), false],
    ['an empty alternative added', req(false, [['a']]), req(false, [['a'], []]), true],
    [
      'alternatives reordered',
      req(false, [['a'], ['b', 'c']]),
      req(false, [['c', 'b'], ['a']]),
      false,
    ],
    ['a policy dropped', req(false, undefined, [['p']]), undefined, true],
    [
      'a policy alternative added',
      req(false, undefined, [['p']]),
      req(false, undefined, [['p'], ['q']]),
      true,
    ],
    ['a policy added', req(true), req(true, undefined, [['p']]), false],
    ['nothing before', req(false), undefined, false],
  ])('%s → weaker: %s', (_name, before, after, expected) => {
    expect(weaker(before, after)).toBe(expected);
  });

  it('names the least-privileged caller that gains access', () => {
    expect(weakeningWitness(req(false, [['a']]), req(false, [['a'], ['b']]))).toEqual({
      authenticated: true,
      scopes: ['b'],
      policies: [],
    });
  });
});
