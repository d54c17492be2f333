import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { LimitsConfig } from '../config/config.js';
import { countOperation } from './counts.js';
import { exceedsDepth } from './depth.js';
import { operationHeight } from './height.js';

export type LimitCode =
  | typeof ErrorCode.MAX_DEPTH_LIMIT
  | typeof ErrorCode.MAX_ALIASES_LIMIT
  | typeof ErrorCode.MAX_ROOT_FIELDS_LIMIT
  | typeof ErrorCode.MAX_DIRECTIVES_LIMIT
  | typeof ErrorCode.MAX_HEIGHT_LIMIT;

export type LimitsResult =
  { ok: true } | { ok: false; code: LimitCode; message: string; limit: number; found?: number };

export type ShapeLimits = Pick<
  LimitsConfig,
  'maxDepth' | 'maxAliases' | 'maxRootFields' | 'maxDirectives' | 'maxHeight'
>;

/**
 * The operation's shape against the limits, cheapest check first. Pure; runs on a validated
 * document (see `exceedsDepth`).
 */
export function checkLimits(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: ShapeLimits,
): LimitsResult {
  const counts = countOperation(document, operation);
  const over = (code: LimitCode, what: string, limit: number, found: number): LimitsResult => ({
    ok: false,
    code,
    message: `${what} limit of ${limit} exceeded, found ${found}.`,
    limit,
    found,
  });
  if (counts.rootFields > limits.maxRootFields)
    return over(
      ErrorCode.MAX_ROOT_FIELDS_LIMIT,
      'Root fields',
      limits.maxRootFields,
      counts.rootFields,
    );
  if (counts.aliases > limits.maxAliases)
    return over(ErrorCode.MAX_ALIASES_LIMIT, 'Aliases', limits.maxAliases, counts.aliases);
  if (counts.directives > limits.maxDirectives)
    return over(
      ErrorCode.MAX_DIRECTIVES_LIMIT,
      'Directives',
      limits.maxDirectives,
      counts.directives,
    );
  if (exceedsDepth(document, limits.maxDepth)) {
    return {
      ok: false,
      code: ErrorCode.MAX_DEPTH_LIMIT,
      message: `Query depth limit of ${limits.maxDepth} exceeded.`,
      limit: limits.maxDepth,
    };
  }
  // Height stops counting past the limit, so the message names the limit only.
  if (operationHeight(document, operation, limits.maxHeight) > limits.maxHeight) {
    return {
      ok: false,
      code: ErrorCode.MAX_HEIGHT_LIMIT,
      message: `Query height limit of ${limits.maxHeight} exceeded.`,
      limit: limits.maxHeight,
    };
  }
  return { ok: true };
}
