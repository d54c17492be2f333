import type { AdmissionRequest } from '../admission.js';

/**
 * `extensions.cost` of a response (docs/architecture.md, request flow 8). Created by the cost step; the rate
 * limit step fills in `budgetRemaining`. `null` = not known for this response.
 */
export interface CostExtension {
  estimated: number;
  actual: number | null;
  limit: number;
  budgetRemaining: number | null;
}

/** The request's `extensions.cost`, once the cost step has estimated the operation. */
export function costExtensionOf(request: AdmissionRequest): CostExtension | undefined {
  return request.extensions.cost as CostExtension | undefined;
}
