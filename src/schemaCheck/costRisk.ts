import type { GraphQLSchema } from 'graphql';
import { estimateCost } from '../cost/estimate.js';
import type { DirectiveIndex } from '../supergraph/directiveIndex.js';
import { listFields } from './coordinates.js';
import type { Finding } from './findings.js';
import type { Locator } from './locator.js';
import type { ValidOperation } from './operations.js';

/**
 * New list fields (in the new API schema, not in the base) without `@listSize`: the cost estimate
 * would assume the default list size for a list of unknown length, so a single query could fetch
 * far more than its budget says. An error: the fix is one directive
 * (`@listSize(assumedSize: N)` or `@listSize(slicingArguments: ["first"])`).
 */
export function findUnsizedNewLists(
  base: GraphQLSchema,
  next: GraphQLSchema,
  index: DirectiveIndex,
  locate: Locator,
): Finding[] {
  const before = new Set(listFields(base));
  return listFields(next)
    .filter((coordinate) => !before.has(coordinate) && !index.listSize.has(coordinate))
    .map((coordinate) => ({
      kind: 'cost-risk',
      severity: 'error',
      code: 'LIST_WITHOUT_LIST_SIZE',
      message:
        `new list field ${coordinate} has no @listSize: add @listSize(slicingArguments: [...]) ` +
        'or @listSize(assumedSize: N) so its cost is estimated from its real size',
      coordinate,
      ...locate(coordinate),
    }));
}

export interface CostLimits {
  /** The gateway's operation maximum (`MAX_COST`). */
  readonly maxCost: number;
  /** List size assumed where neither `@listSize` nor an argument says (`DEFAULT_LIST_SIZE`). */
  readonly defaultListSize: number;
}

/**
 * Operations whose estimated cost under the new supergraph exceeds `maxCost`, or that the cost
 * module refuses outright (e.g. a required slicing argument missing): the gateway would reject
 * them with `COST_ESTIMATED_TOO_EXPENSIVE` before executing anything. Variables take their
 * declared defaults, as when a screen sends none.
 */
export function findExpensiveOperations(
  operations: readonly ValidOperation[],
  schema: GraphQLSchema,
  index: DirectiveIndex,
  limits: CostLimits,
): Finding[] {
  const findings: Finding[] = [];
  for (const operation of operations) {
    const result = estimateCost({
      document: operation.document,
      operationName: operation.name,
      variables: {},
      schema,
      index,
      defaultListSize: limits.defaultListSize,
    });
    const where = { operation: operation.name, file: operation.file };
    if (!result.ok) {
      findings.push({
        kind: 'cost-risk',
        severity: 'error',
        code: result.code,
        message: `operation ${operation.name} cannot be costed: ${result.message}${result.path ? ` (at ${result.path.join('.')})` : ''}`,
        ...where,
      });
    } else if (result.cost > limits.maxCost) {
      findings.push({
        kind: 'cost-risk',
        severity: 'error',
        code: 'COST_ESTIMATED_TOO_EXPENSIVE',
        message:
          `operation ${operation.name} is estimated at ${result.cost}, above the gateway's ` +
          `maximum of ${limits.maxCost}: the gateway would reject it`,
        ...where,
      });
    }
  }
  return findings;
}
