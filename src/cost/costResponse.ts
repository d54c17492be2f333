import type { ResponsePart } from '../respond.js';

/**
 * Cost's part of every response once the cost step has estimated the operation, executed or
 * refused: `extensions.cost` = `{ estimated, actual, limit }` (`actual` null until executed).
 * The rate limit adds `budgetRemaining` beside them (docs/architecture.md, request flow 8).
 */
export const costResponsePart: ResponsePart = {
  name: 'cost',
  contribute(context) {
    const cost = context.state.admission?.request.cost;
    if (!cost) return undefined;
    return {
      extensions: {
        cost: { estimated: cost.estimated, actual: cost.actual ?? null, limit: cost.limit },
      },
    };
  },
};
