import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';
import type { Finding } from './findings.js';
import type { Locator } from './locator.js';

/**
 * Breaking and dangerous changes from the base API schema to the new one (graphql-inspector's
 * rules: removed or retyped fields, arguments, enum values, nullability tightened on inputs or
 * loosened on outputs, …). Breaking → error, or warning with `allowed` when `allowBreaking`;
 * dangerous (e.g. an enum value added, a default changed) → warning; safe changes → nothing.
 */
export async function findBreakingChanges(
  base: GraphQLSchema,
  next: GraphQLSchema,
  locate: Locator,
  allowBreaking: boolean,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const change of await diff(base, next)) {
    const level = change.criticality.level;
    if (level === CriticalityLevel.NonBreaking) continue;
    const breaking = level === CriticalityLevel.Breaking;
    const coordinate = coordinateOf(change);
    findings.push({
      kind: 'breaking',
      severity: breaking && !allowBreaking ? 'error' : 'warning',
      // why: graphql-inspector's `criticality.reason` is generic advice; the change itself is specific.
      message: `${breaking ? '' : 'dangerous: '}${change.message}`,
      code: String(change.type),
      coordinate,
      ...(coordinate ? locate(coordinate) : {}),
      ...(breaking && allowBreaking ? { allowed: true } : {}),
    });
  }
  return findings;
}

/**
 * graphql-inspector paths are dotted (`Type.field.arg`, `Type.field.@deprecated`); findings use
 * schema coordinates (`Type.field(arg:)`).
 */
function coordinateOf(change: Change): string | undefined {
  if (!change.path) return undefined;
  const parts = change.path.split('.');
  const end = parts.findIndex((p) => p.startsWith('@'));
  const [type, field, arg] = end === -1 ? parts : parts.slice(0, end);
  if (!type) return undefined;
  if (arg && field) return `${type}.${field}(${arg}:)`;
  return field ? `${type}.${field}` : type;
}
