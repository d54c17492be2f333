import { GraphQLError } from 'graphql';

/** Largest page a `first` argument may ask for. */
export const MAX_PAGE_SIZE = 100;

/** A resolver error for invalid arguments: `extensions.code = BAD_USER_INPUT`. */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** A resolver error for an operation that needs a caller: `extensions.code = UNAUTHENTICATED`. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

/**
 * A resolver error for data the caller may not read (someone else's): `extensions.code =
 * FORBIDDEN`. Thrown by a nullable field, it answers null at that path and nothing else.
 */
export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/**
 * The error an `authenticate` hook throws to refuse a request: HTTP 401, `UNAUTHENTICATED`,
 * nothing executed (Apollo Server answers with the `extensions.http` status of a context error).
 */
export function unauthenticatedRequest(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

/** Throws BAD_USER_INPUT unless `first` is in 0..{@link MAX_PAGE_SIZE}; returns it otherwise. */
export function checkFirst(first: number): number {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`"first" must be between 0 and ${MAX_PAGE_SIZE}, got ${first}.`);
  }
  return first;
}
