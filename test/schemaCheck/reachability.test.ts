import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { classifyPolicyChange } from '../../src/schemaCheck/cachePolicy.js';
import { findUnguardedPaths } from '../../src/schemaCheck/pathCoverage.js';
import { computeReachability } from '../../src/schemaCheck/reachability.js';
import { describeRequirement, weakerAlternative } from '../../src/schemaCheck/requirementSet.js';
import type { AccessRequirement } from '../../src/supergraph/directiveIndex.js';

const SDL = `
  type Query { me: User  user(id: ID!): User }
  type Mutation { pay: Payment }
  type User { id: ID!  email: String  payments: [Payment!] }
  type Payment { id: ID!  amount: Float! }
`;
const auth: AccessRequirement = { authenticated: true, scopes: undefined, policies: undefined };
const scope = (s: string): AccessRequirement => ({
  authenticated: false,
  scopes: [[s]],
  policies: undefined,
});

/** The weakest requirement to each coordinate, as a reader would write it. */
function weakest(sdl: string, access: Record<string, AccessRequirement>) {
  const reach = computeReachability(buildSchema(sdl), new Map(Object.entries(access)));
  return (coordinate: string) =>
    describeRequirement(reach.types.get(coordinate) ?? reach.fields.get(coordinate) ?? []);
}

describe('computeReachability: the weakest requirement on any path', () => {
  const access = {
    'Query.me': auth,
    'User.payments': scope('read:payments'),
    'Mutation.pay': auth,
  };

  it.each([
    ['User', 'anyone'],
    ['User.email', 'anyone'],
    ['Payment', '@authenticated'],
    ['Payment.amount', '@authenticated'],
    ['User.payments', '@authenticated and scopes [read:payments]'],
  ])('%s → %s', (coordinate, expected) => {
    expect(weakest(SDL, access)(coordinate)).toBe(expected);
  });

  it('a type-level requirement guards every path to the type', () => {
    expect(weakest(SDL, { Payment: scope('read:payments') })('Payment.amount')).toBe(
      '@authenticated and scopes [read:payments]',
    );
  });

  it('an argument named like a protected field reaches it', () => {
    const sdl = SDL.replace(
      'user(id: ID!): User',
      'user(id: ID!): User  byEmail(email: String): User',
    );
    const fields = weakest(sdl, { 'User.email': scope('read:email') });
    expect(fields('User.email')).toBe('anyone');
    expect(weakest(SDL, { 'User.email': scope('read:email') })('User.email')).toBe(
      '@authenticated and scopes [read:email]',
    );
  });

  it('a type no root field reaches needs nobody less than everything', () => {
    expect(weakest(`${SDL} type Orphan { id: ID }`, {})('Orphan')).toMatch(/^nobody/);
  });

  it('names the path of the weaker alternative', () => {
    const schema = buildSchema(SDL.replace('type Mutation {', 'type Mutation { leak: Payment '));
    const before = computeReachability(buildSchema(SDL), new Map(Object.entries(access)));
    const after = computeReachability(schema, new Map(Object.entries(access)));
    const weaker = weakerAlternative(before.types.get('Payment')!, after.types.get('Payment')!);
    expect(weaker?.path).toEqual(['Mutation.leak']);
  });
});

describe('findUnguardedPaths', () => {
  const view = (sdl: string, access: Record<string, AccessRequirement> = {}) => ({
    api: buildSchema(sdl),
    index: { access: new Map(Object.entries(access)) },
  });

  it('a type no root field reached before is reported once one does', () => {
    const base = view(`${SDL} type Orphan { id: ID }`);
    const next = view(
      `${SDL.replace('type Query {', 'type Query { orphan: Orphan ')} type Orphan { id: ID }`,
    );
    const findings = findUnguardedPaths(base, next, new Set(), () => ({}), false);
    expect(findings.map((f) => [f.coordinate, f.severity])).toEqual([['Orphan', 'error']]);
    expect(findings[0]?.message).toContain('needed nobody');
    expect(findings[0]?.message).toContain('via Query.orphan -> Orphan (and with it Orphan.id)');
  });

  it('coordinates already reported by their own requirement are skipped', () => {
    const base = view(SDL, { 'User.email': scope('read:email') });
    const findings = findUnguardedPaths(
      base,
      view(SDL),
      new Set(['User.email']),
      () => ({}),
      false,
    );
    expect(findings).toEqual([]);
  });
});

describe('classifyPolicyChange', () => {
  const p = (maxAge: number, scope: 'PUBLIC' | 'PRIVATE' = 'PUBLIC') => ({ maxAge, scope });
  it.each([
    ['PRIVATE → PUBLIC', p(30, 'PRIVATE'), p(30), 'CACHE_SCOPE_WIDENED'],
    ['PRIVATE → PUBLIC but never cached', p(30, 'PRIVATE'), p(0), undefined],
    ['uncached → cached', p(0), p(300), 'CACHE_NEWLY_CACHEABLE'],
    ['uncached → cached privately', p(0, 'PRIVATE'), p(60, 'PRIVATE'), 'CACHE_NEWLY_CACHEABLE'],
    ['TTL raised', p(10), p(3600), 'CACHE_TTL_RAISED'],
    ['TTL lowered', p(3600), p(10), undefined],
    ['PUBLIC → PRIVATE', p(30), p(30, 'PRIVATE'), undefined],
  ] as const)('%s', (_name, before, after, expected) => {
    expect(classifyPolicyChange(before, after)).toBe(expected);
  });
});
