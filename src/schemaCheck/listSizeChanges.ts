import { isInterfaceType, isObjectType, type GraphQLField } from 'graphql';
import type { ListSizeHint } from '../supergraph/directiveIndex.js';
import { listFields } from './coordinates.js';
import {
  describeEstimateChanges,
  type CostView,
  type OperationEstimate,
} from './estimateChanges.js';
import type { Finding } from './findings.js';
import type { Locator } from './locator.js';

type Code =
  | 'LIST_SIZE_REMOVED'
  | 'ASSUMED_SIZE_LOWERED'
  | 'SLICING_NOT_REQUIRED'
  | 'SLICING_ARGUMENT_DROPPED'
  | 'SLICING_DEFAULT_CHANGED';

interface Change {
  readonly code: Code;
  readonly what: string;
}

/**
 * `@listSize` regressions on list fields present in both supergraphs. Each lets the estimate fall
 * below the real work (a client can ask for more than its budget says), so it is an error, or an
 * allowed warning with `allowCostChange`: `@listSize` removed, `assumedSize` lowered,
 * `requireOneSlicingArgument` turned off, a slicing argument dropped. A changed default of a
 * slicing argument changes every estimate that relies on it: a warning. Each finding lists the
 * operations of `operations/` whose estimate changes (old → new).
 */
export function findListSizeRegressions(
  base: CostView,
  next: CostView,
  estimates: readonly OperationEstimate[],
  defaultListSize: number,
  locate: Locator,
  allowCostChange: boolean,
): Finding[] {
  const existed = new Set(listFields(base.api));
  const findings: Finding[] = [];
  for (const coordinate of listFields(next.api)) {
    if (!existed.has(coordinate)) continue; // new lists: `findUnsizedNewLists`
    const before = base.index.listSize.get(coordinate);
    const after = next.index.listSize.get(coordinate);
    const nextField = field(next, coordinate);
    const accepts = (name: string) =>
      nextField?.args.some((a) => a.name === name.split('.')[0]) ?? false;
    const changes = hintChanges(before, after, defaultListSize, accepts);
    const defaults = defaultChanges(field(base, coordinate), nextField, after);
    for (const change of [...changes, ...defaults]) {
      const regression = change.code !== 'SLICING_DEFAULT_CHANGED';
      findings.push({
        kind: 'cost-risk',
        severity: regression && !allowCostChange ? 'error' : 'warning',
        code: change.code,
        message: `${coordinate}: ${change.what}; ${describeEstimateChanges(estimates, coordinate)}`,
        coordinate,
        ...locate(coordinate),
        ...(regression && allowCostChange ? { allowed: true } : {}),
      });
    }
  }
  return findings;
}

function hintChanges(
  before: ListSizeHint | undefined,
  after: ListSizeHint | undefined,
  defaultListSize: number,
  accepts: (argument: string) => boolean,
): Change[] {
  if (!before) return [];
  if (!after)
    return [
      {
        code: 'LIST_SIZE_REMOVED',
        what: `@listSize removed: its size is now assumed to be ${defaultListSize} whatever a client asks for`,
      },
    ];
  const changes: Change[] = [];
  const oldSize = before.assumedSize ?? defaultListSize;
  const newSize = after.assumedSize ?? defaultListSize;
  if (newSize < oldSize)
    changes.push({
      code: 'ASSUMED_SIZE_LOWERED',
      what: `assumedSize lowered from ${oldSize} to ${newSize}`,
    });
  // An argument removed altogether is a breaking change; one still accepted but no longer sizing
  // the list lets a client ask for any number of items at the assumed size.
  const dropped = before.slicingArguments.filter(
    (a) => !after.slicingArguments.includes(a) && accepts(a),
  );
  if (dropped.length)
    changes.push({
      code: 'SLICING_ARGUMENT_DROPPED',
      what: `slicing argument(s) ${dropped.join(', ')} no longer size the list`,
    });
  const required = (h: ListSizeHint) =>
    h.requireOneSlicingArgument && h.slicingArguments.length > 0;
  if (required(before) && !required(after))
    changes.push({
      code: 'SLICING_NOT_REQUIRED',
      what: 'requireOneSlicingArgument turned off: a query may omit the slicing argument or give several',
    });
  return changes;
}

/** Slicing arguments (of the new hint) whose default value changed. */
function defaultChanges(
  before: GraphQLField<unknown, unknown> | undefined,
  after: GraphQLField<unknown, unknown> | undefined,
  hint: ListSizeHint | undefined,
): Change[] {
  if (!before || !after || !hint) return [];
  const names = new Set(hint.slicingArguments.map((a) => a.split('.')[0]!));
  const changes: Change[] = [];
  for (const name of names) {
    const old = before.args.find((a) => a.name === name);
    const now = after.args.find((a) => a.name === name);
    if (!old || !now) continue;
    const [x, y] = [show(old.defaultValue), show(now.defaultValue)];
    if (x !== y)
      changes.push({
        code: 'SLICING_DEFAULT_CHANGED',
        what: `default of slicing argument ${name} changed from ${x} to ${y}`,
      });
  }
  return changes;
}

function show(value: unknown): string {
  return value === undefined ? 'none' : JSON.stringify(value);
}

function field(view: CostView, coordinate: string): GraphQLField<unknown, unknown> | undefined {
  const [typeName, fieldName] = coordinate.split('.');
  const type = view.api.getType(typeName!);
  if (!isObjectType(type) && !isInterfaceType(type)) return undefined;
  const fields = type.getFields();
  return Object.hasOwn(fields, fieldName!) ? fields[fieldName!] : undefined;
}
