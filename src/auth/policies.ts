import fs from 'node:fs';
import type { Principal } from '../context.js';

/** Decides whether an authenticated caller satisfies one `@policy` name. Pure and synchronous. */
export type PolicyCheck = (principal: Principal) => boolean;

/** Policy name → check. A name missing here is denied (fail closed). */
export type PolicyRegistry = ReadonlyMap<string, PolicyCheck>;

type Primitive = string | number | boolean | null;

/**
 * One rule of the policies file (`AUTH_POLICIES_PATH`), as JSON:
 * `{ "policies": { "<name>": <rule> } }`. A claim is named by a dotted path into the token's claims.
 */
export type PolicyRule =
  | { readonly scopes: readonly string[] } // has every scope
  | { readonly anyScope: readonly string[] } // has at least one
  | { readonly claim: string; readonly equals: Primitive }
  | { readonly claim: string; readonly in: readonly Primitive[] } // value (or any array element) listed
  | { readonly claim: string; readonly exists: boolean }
  | { readonly allOf: readonly PolicyRule[] }
  | { readonly anyOf: readonly PolicyRule[] }
  | { readonly not: PolicyRule };

export type ParsedPolicies =
  | { readonly ok: true; readonly registry: PolicyRegistry }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Reads the policies file at start-up; no file = an empty registry (every `@policy` denied).
 * Throws one error listing every problem of an invalid file.
 */
export function loadPolicies(file: string | undefined): PolicyRegistry {
  if (!file) return new Map();
  let document: unknown;
  try {
    document = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`AUTH_POLICIES_PATH: cannot read JSON from ${file}: ${String(error)}`);
  }
  const parsed = parsePolicies(document);
  if (!parsed.ok) throw new Error(`AUTH_POLICIES_PATH (${file}): ${parsed.problems.join('; ')}`);
  return parsed.registry;
}

/** Validates and compiles a policies document; pure. */
export function parsePolicies(document: unknown): ParsedPolicies {
  const problems: string[] = [];
  const registry = new Map<string, PolicyCheck>();
  const policies = isRecord(document) ? document.policies : undefined;
  if (!isRecord(policies))
    return { ok: false, problems: ['expected { "policies": { "<name>": <rule> } }'] };
  for (const [name, rule] of Object.entries(policies)) {
    const check = compile(rule, `policies.${name}`, problems);
    if (check) registry.set(name, check);
  }
  return problems.length ? { ok: false, problems } : { ok: true, registry };
}

function compile(rule: unknown, at: string, problems: string[]): PolicyCheck | undefined {
  const fail = (message: string) => {
    problems.push(`${at} ${message}`);
    return undefined;
  };
  if (!isRecord(rule)) return fail('must be an object');
  const keys = Object.keys(rule).sort().join(',');
  const strings = (value: unknown): readonly string[] | undefined =>
    Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  const children = (value: unknown, key: string) => {
    if (!Array.isArray(value) || value.length === 0)
      return fail(`.${key} must be a non-empty array of rules`);
    const checks = value.map((child, i) => compile(child, `${at}.${key}[${i}]`, problems));
    return checks.every(Boolean) ? (checks as PolicyCheck[]) : undefined;
  };
  switch (keys) {
    case 'scopes':
    case 'anyScope': {
      const list = strings(rule[keys]);
      if (!list?.length) return fail(`.${keys} must be a non-empty array of strings`);
      return keys === 'scopes'
        ? (p) => list.every((s) => p.scopes.has(s))
        : (p) => list.some((s) => p.scopes.has(s));
    }
    case 'claim,equals':
    case 'claim,in':
    case 'claim,exists': {
      if (typeof rule.claim !== 'string' || rule.claim === '')
        return fail('.claim must be a string');
      const claimPath = rule.claim.split('.');
      if ('exists' in rule) {
        if (typeof rule.exists !== 'boolean') return fail('.exists must be true or false');
        const wanted = rule.exists;
        return (p) => (claimAt(p.claims, claimPath) !== undefined) === wanted;
      }
      const listed: unknown = 'in' in rule ? rule.in : [rule.equals];
      if (!Array.isArray(listed) || !listed.every(isPrimitive))
        return fail('.equals/.in must be JSON primitives');
      const allowed: readonly unknown[] = listed;
      return (p) => {
        const value = claimAt(p.claims, claimPath);
        return Array.isArray(value)
          ? value.some((v) => allowed.includes(v))
          : allowed.includes(value);
      };
    }
    case 'allOf':
    case 'anyOf': {
      const checks = children(rule[keys], keys);
      if (!checks) return undefined;
      return keys === 'allOf' ? (p) => checks.every((c) => c(p)) : (p) => checks.some((c) => c(p));
    }
    case 'not': {
      const inner = compile(rule.not, `${at}.not`, problems);
      return inner && ((p) => !inner(p));
    }
    default:
      return fail(
        'must be one of {scopes}, {anyScope}, {claim, equals}, {claim, in}, {claim, exists}, {allOf}, {anyOf}, {not}',
      );
  }
}

/** Own properties only: a claim path never reaches `__proto__` or inherited members. */
function claimAt(claims: Readonly<Record<string, unknown>>, claimPath: readonly string[]): unknown {
  let value: unknown = claims;
  for (const segment of claimPath) {
    if (!isRecord(value) || !Object.hasOwn(value, segment)) return undefined;
    value = value[segment];
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): value is Primitive {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
