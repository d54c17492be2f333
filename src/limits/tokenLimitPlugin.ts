import type { ApolloServerPlugin } from '@apollo/server';
import { Lexer, Source, TokenKind } from 'graphql';
import type { GatewayContext } from '../context.js';
import { ErrorCode } from '../errors.js';

export interface TokenLimits {
  /** `parseOptions.maxTokens` given to Apollo Server. */
  readonly maxTokens: number;
  /** `parseOptions.maxSourceLength` given to Apollo Server. */
  readonly maxSourceLength: number;
}

/**
 * Gives the parser's token-limit failure its own code, `MAX_TOKENS_LIMIT` (still HTTP 400): the
 * limit itself is graphql-js's `maxTokens` in Apollo Server's `parseOptions`, which stops the lexer
 * before any validation; Apollo reports it as a plain `GRAPHQL_PARSE_FAILED`. Runs only when a
 * request failed to parse: it counts the query's tokens again, up to the limit, rather than trusting
 * an error message's wording.
 */
export function tokenLimitPlugin(limits: TokenLimits): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didEncounterErrors({ errors, document, request }) {
          const query = request.query;
          if (document || !query || query.length > limits.maxSourceLength) return Promise.resolve();
          for (const error of errors) {
            if (error.extensions.code !== ErrorCode.GRAPHQL_PARSE_FAILED) continue;
            if (countTokens(query, limits.maxTokens) > limits.maxTokens)
              error.extensions.code = ErrorCode.MAX_TOKENS_LIMIT;
          }
          return Promise.resolve();
        },
      });
    },
  };
}

/** Tokens the parser would count (comments excluded), stopping one past `cap`. */
export function countTokens(query: string, cap: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      count += 1;
      if (count > cap) break;
    }
  } catch {
    // A lexical error before the cap: the parse failed for another reason.
  }
  return count;
}
