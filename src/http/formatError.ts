import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';

/** graphql-js's name suggestions (`Did you mean "email"?`), wherever they appear in a message. */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * Apollo Server's `formatError`: every error on its way out. Stack traces and server-side
 * exception objects are dropped in every mode, whoever put them there (a subgraph's error is
 * relayed with its extensions). In production, name suggestions are removed from every message:
 * Apollo's `hideSchemaDetailsFromClientErrors` covers validation only, and graphql-js also
 * suggests names when it coerces variables. Errors the gateway did not mean to send (no code of
 * ours) lose their message in production; the full error goes to the log.
 */
export function createErrorMasker(production: boolean, log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
    maskError(formatted, error, production, log);
}

function maskError(
  formatted: GraphQLFormattedError,
  error: unknown,
  production: boolean,
  log: Logger,
): GraphQLFormattedError {
  const {
    stacktrace: _stacktrace,
    exception: _exception,
    ...extensions
  } = formatted.extensions ?? {};
  const message = production ? formatted.message.replace(SUGGESTION, '') : formatted.message;
  const cleaned: GraphQLFormattedError = formatted.extensions
    ? { ...formatted, message, extensions }
    : { ...formatted, message };
  const code = extensions.code;
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR) return cleaned;
  // why: Apollo refuses some requests (an APQ hash that does not match, an unsupported APQ
  // version) with an HTTP 4xx but no code; they are the client's errors, not unexpected ones.
  const status = error instanceof GraphQLError ? httpStatusOf(error) : undefined;
  if (status !== undefined && status < 500)
    return { ...cleaned, extensions: { ...extensions, code: ErrorCode.BAD_REQUEST } };
  const original = unwrapResolverError(error);
  log.error(
    { err: original instanceof Error ? original.stack : String(original) },
    'unexpected error in a response',
  );
  if (!production) return cleaned;
  return { message: 'Internal server error', path: formatted.path, extensions: { code } };
}

function httpStatusOf(error: GraphQLError): number | undefined {
  const http = error.extensions.http as { status?: unknown } | undefined;
  return typeof http?.status === 'number' ? http.status : undefined;
}
