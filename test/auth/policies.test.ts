import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSchema, getOperationAST, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { filterOperation } from '../../src/auth/filterDocument.js';
import { loadPolicies, parsePolicies, type PolicyRegistry } from '../../src/auth/policies.js';
import { AccessRules } from '../../src/auth/requirements.js';
import type { Principal } from '../../src/context.js';

const caller = (claims: Record<string, unknown>, scopes: string[] = []): Principal => ({
  sub: 'u1',
  issuer: undefined,
  scopes: new Set(scopes),
  claims,
});
const registry = (policies: Record<string, unknown>): PolicyRegistry => {
  const parsed = parsePolicies({ policies });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.registry;
};
const check = (rule: unknown, principal: Principal) => registry({ p: rule }).get('p')!(principal);

describe('policy rules (table)', () => {
  it.each<[string, unknown, Principal, boolean]>([
    ['scopes: all present', { scopes: ['a', 'b'] }, caller({}, ['a', 'b', 'c']), true],
    ['scopes: one missing', { scopes: ['a', 'b'] }, caller({}, ['a']), false],
    ['anyScope', { anyScope: ['a', 'b'] }, caller({}, ['b']), true],
    ['claim equals', { claim: 'role', equals: 'staff' }, caller({ role: 'staff' }), true],
    [
      'claim equals, other value',
      { claim: 'role', equals: 'staff' },
      caller({ role: 'guest' }),
      false,
    ],
    [
      'claim in, array claim',
      { claim: 'groups', in: ['ops', 'dev'] },
      caller({ groups: ['hr', 'dev'] }),
      true,
    ],
    ['dotted claim path', { claim: 'org.tier', equals: 3 }, caller({ org: { tier: 3 } }), true],
    [
      'claim exists',
      { claim: 'email_verified', exists: true },
      caller({ email_verified: false }),
      true,
    ],
    ['claim exists: missing', { claim: 'email_verified', exists: true }, caller({}), false],
    ['no inherited members', { claim: 'constructor', exists: true }, caller({}), false],
    [
      'no __proto__ walk',
      { claim: 'org.__proto__.toString', exists: true },
      caller({ org: {} }),
      false,
    ],
    [
      'allOf',
      { allOf: [{ scopes: ['a'] }, { claim: 'role', equals: 'staff' }] },
      caller({ role: 'staff' }, ['a']),
      true,
    ],
    [
      'anyOf',
      { anyOf: [{ scopes: ['x'] }, { claim: 'role', equals: 'staff' }] },
      caller({ role: 'staff' }),
      true,
    ],
    ['not', { not: { claim: 'suspended', equals: true } }, caller({ suspended: true }), false],
  ])('%s', (_case, rule, principal, expected) => {
    expect(check(rule, principal)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['not an object', { policies: [] }],
    ['unknown rule shape', { policies: { p: { role: 'x' } } }],
    ['empty scopes', { policies: { p: { scopes: [] } } }],
    ['claim without a name', { policies: { p: { claim: '', equals: 1 } } }],
    ['non-primitive value', { policies: { p: { claim: 'a', in: [{}] } } }],
    ['empty allOf', { policies: { p: { allOf: [] } } }],
    ['bad nested rule', { policies: { p: { not: { anyScope: 'a' } } } }],
  ])('refuses %s', (_case, document) => {
    const parsed = parsePolicies(document);
    expect(parsed.ok).toBe(false);
  });

  it('loads AUTH_POLICIES_PATH, and refuses an invalid file with one clear error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policies-'));
    const good = path.join(dir, 'good.json');
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(
      good,
      JSON.stringify({ policies: { staff: { claim: 'role', equals: 'staff' } } }),
    );
    fs.writeFileSync(bad, JSON.stringify({ policies: { staff: { role: 'staff' } } }));
    expect([...loadPolicies(good).keys()]).toEqual(['staff']);
    expect(() => loadPolicies(bad)).toThrow(/AUTH_POLICIES_PATH.*policies\.staff/);
    expect(() => loadPolicies(path.join(dir, 'missing.json'))).toThrow(/AUTH_POLICIES_PATH/);
    expect(loadPolicies(undefined).size).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('@policy in filtering', () => {
  const schema = buildSchema('type Query { report: String, payroll: String, open: String }');
  const rules = new AccessRules(
    schema,
    new Map([
      [
        'Query.report',
        { authenticated: false, scopes: undefined, policies: [['staff'], ['auditor']] },
      ],
      [
        'Query.payroll',
        { authenticated: false, scopes: undefined, policies: [['staff', 'finance']] },
      ],
    ]),
  );
  const policies = registry({
    staff: { claim: 'role', in: ['staff', 'admin'] },
    finance: { anyScope: ['finance'] },
  });
  const visible = (principal: Principal | null) => {
    const document = parse('{ report payroll open }');
    const filtered = filterOperation(
      document,
      getOperationAST(document)!,
      rules,
      rules.grantsFor(principal, policies),
    );
    return print(filtered.document).replace(/\s+/g, ' ').trim();
  };

  it.each<[string, Principal | null, string]>([
    ['anonymous: every policy denied', null, '{ open }'],
    ['staff: report', caller({ role: 'staff' }), '{ report open }'],
    [
      'staff with finance: both (AND inside a group)',
      caller({ role: 'admin' }, ['finance']),
      '{ report payroll open }',
    ],
    ['an unknown policy (auditor) is denied', caller({ role: 'guest' }, ['finance']), '{ open }'],
  ])('%s', (_case, principal, expected) => {
    expect(visible(principal)).toBe(expected);
  });

  it('callers with the same policy outcomes share one grants key; others do not', () => {
    const key = (p: Principal) => rules.grantsFor(p, policies).key;
    expect(key(caller({ role: 'staff', x: 1 }, ['other']))).toBe(key(caller({ role: 'admin' })));
    expect(key(caller({ role: 'staff' }))).not.toBe(key(caller({ role: 'staff' }, ['finance'])));
  });
});
