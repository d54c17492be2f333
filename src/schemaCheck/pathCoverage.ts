import type { GraphQLSchema } from 'graphql';
import type { DirectiveIndex } from '../supergraph/directiveIndex.js';
import { describeCaller } from './authCoverage.js';
import type { Finding } from './findings.js';
import type { Locator } from './locator.js';
import { schemaCoordinates } from './coordinates.js';
import { computeReachability } from './reachability.js';
import {
  admits,
  describeRequirement,
  principalOf,
  weakerAlternative,
  type Alternative,
} from './requirementSet.js';

/** One supergraph as the path check needs it. */
export interface AccessView {
  readonly api: GraphQLSchema;
  readonly index: Pick<DirectiveIndex, 'access'>;
}

/**
 * Types and fields in both supergraphs that a caller can now reach on some path the base did
 * not have, with less than the weakest requirement of every base path: a new root field returning
 * `Payment` without auth, a field returning a protected type, an argument that looks a protected
 * field up (`Query.userByEmail(email:)`). Each finding names the new path. Coordinates in `skip`
 * (already reported because their own requirement got weaker) are left out, and so are the fields
 * of a reported type that the same caller newly reaches: the type's finding lists them.
 */
export function findUnguardedPaths(
  base: AccessView,
  next: AccessView,
  skip: ReadonlySet<string>,
  locate: Locator,
  allowAuthChange: boolean,
): Finding[] {
  const before = computeReachability(base.api, base.index.access);
  const after = computeReachability(next.api, next.index.access);
  const existed = schemaCoordinates(base.api);
  const where = (path: readonly string[], coordinate: string) =>
    locate(path.find((c) => !existed.has(c)) ?? coordinate);
  const findings: Finding[] = [];
  const reportedTypes = new Map<string, { alternative: Alternative; fields: string[] }>();

  const check = (
    coordinate: string,
    old: readonly Alternative[] | undefined,
    now: readonly Alternative[],
  ) => {
    if (old === undefined || skip.has(coordinate)) return undefined;
    return weakerAlternative(old, now);
  };

  for (const [type, now] of after.types) {
    // A type of the base that no root field reached needed "nobody": any path to it is new.
    const old = existed.has(type) ? (before.types.get(type) ?? []) : undefined;
    const weaker = check(type, old, now);
    if (weaker) reportedTypes.set(type, { alternative: weaker, fields: [] });
  }
  const fieldFindings: Finding[] = [];
  for (const [coordinate, now] of after.fields) {
    const old = before.fields.get(coordinate);
    const weaker = check(coordinate, old, now);
    if (!weaker || !old) continue;
    const parent = reportedTypes.get(coordinate.split('.')[0]!);
    if (parent && !admits(old, principalOf(parent.alternative))) {
      parent.fields.push(coordinate);
      continue;
    }
    fieldFindings.push(finding(coordinate, old, weaker, [], where, allowAuthChange));
  }
  for (const [type, { alternative, fields }] of reportedTypes)
    findings.push(
      finding(type, before.types.get(type) ?? [], alternative, fields, where, allowAuthChange),
    );
  return [...findings, ...fieldFindings];
}

function finding(
  coordinate: string,
  old: readonly Alternative[],
  weaker: Alternative,
  fields: readonly string[],
  where: (path: readonly string[], coordinate: string) => ReturnType<Locator>,
  allowAuthChange: boolean,
): Finding {
  const to = (p: readonly string[]) => (p.at(-1) === coordinate ? p : [...p, coordinate]);
  const path = to(weaker.path);
  const also = fields.length ? ` (and with it ${fields.join(', ')})` : '';
  const weakest = [...old].sort((x, y) => x.grants.length - y.grants.length)[0];
  const was = weakest?.path.length ? ` (weakest: ${to(weakest.path).join(' -> ')})` : '';
  return {
    kind: 'lost-auth-coverage',
    severity: allowAuthChange ? 'warning' : 'error',
    code: 'NEW_PATH_TO_PROTECTED_DATA',
    message:
      `${coordinate} needed ${describeRequirement(old)} on every path${was}, now ` +
      `${describeCaller(principalOf(weaker))} reaches it via ${path.join(' -> ')}${also}.`,
    coordinate,
    ...where(path, coordinate),
    ...(allowAuthChange ? { allowed: true } : {}),
  };
}
