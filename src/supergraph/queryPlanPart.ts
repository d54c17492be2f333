import type { ResponsePart } from '../respond.js';

/**
 * Plan and execute's part of the response: `extensions.queryPlan` (text and object) when the
 * client sent `Apollo-Expose-Query-Plan: true` outside production and the operation was planned.
 */
export const queryPlanPart: ResponsePart = {
  name: 'queryPlan',
  contribute(context) {
    const plan = context.state.queryPlan;
    return plan ? { extensions: { queryPlan: plan } } : undefined;
  },
};
