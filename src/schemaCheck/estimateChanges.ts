import {
  isAbstractType,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { estimateCost, type CostEstimate } from '../cost/estimate.js';
import type { DirectiveIndex } from '../supergraph/directiveIndex.js';
import type { ValidOperation } from './operations.js';

/** One supergraph as the cost estimator needs it. */
export interface CostView {
  readonly api: GraphQLSchema;
  readonly index: DirectiveIndex;
}

/** An operation of `operations/` estimated against the base and the new supergraph. */
export interface OperationEstimate {
  readonly name: string;
  /** Undefined when the operation does not validate against the base (it uses something new). */
  readonly before: CostEstimate | undefined;
  readonly after: CostEstimate;
  /** Field coordinates it selects (`Type.field`; on an abstract type, every implementation's too). */
  readonly fields: ReadonlySet<string>;
}

/**
 * Estimates every operation with the gateway's own estimator (`cost/estimate.ts`) under both
 * supergraphs, variables at their declared defaults (as a screen that sends none).
 */
export function estimateBoth(
  operations: readonly ValidOperation[],
  base: CostView,
  next: CostView,
  defaultListSize: number,
): OperationEstimate[] {
  return operations.map((operation) => {
    const run = (view: CostView) =>
      estimateCost({
        document: operation.document,
        operationName: operation.name,
        variables: {},
        schema: view.api,
        index: view.index,
        defaultListSize,
      });
    const valid = validate(base.api, operation.document).length === 0;
    return {
      name: operation.name,
      before: valid ? run(base) : undefined,
      after: run(next),
      fields: selectedFields(next.api, operation.document),
    };
  });
}

/**
 * `Catalog 20 → 110 (5.5×), Profile 4 → 13`: the operations selecting `coordinate` whose estimate
 * changed; `no operation in operations/ changes its estimate` when none did.
 */
export function describeEstimateChanges(
  estimates: readonly OperationEstimate[],
  coordinate: string,
): string {
  const changed = estimates
    .filter((e) => e.fields.has(coordinate) && e.before && show(e.before) !== show(e.after))
    .map((e) => `${e.name} ${show(e.before!)} → ${show(e.after)}${factor(e.before!, e.after)}`);
  return changed.length
    ? `estimates in operations/: ${changed.join(', ')}`
    : 'no operation in operations/ changes its estimate';
}

function show(estimate: CostEstimate): string {
  return estimate.ok ? String(estimate.cost) : `refused (${estimate.code})`;
}

function factor(before: CostEstimate, after: CostEstimate): string {
  if (!before.ok || !after.ok || before.cost === 0 || after.cost === 0) return '';
  const times = after.cost >= before.cost ? after.cost / before.cost : before.cost / after.cost;
  const rounded = times >= 10 ? Math.round(times) : Math.round(times * 10) / 10;
  return after.cost >= before.cost ? ` (${rounded}× higher)` : ` (${rounded}× lower)`;
}

function selectedFields(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const result = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent) return;
        result.add(`${parent.name}.${node.name.value}`);
        if (isAbstractType(parent))
          for (const impl of schema.getPossibleTypes(parent))
            result.add(`${impl.name}.${node.name.value}`);
      },
    }),
  );
  return result;
}
