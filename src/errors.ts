import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';

/**
 * The public error codes (`extensions.code`), as docs/architecture.md fixes them. Clients may branch on
 * these; never rename one.
 */
export const ErrorCode = {
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_REQUEST: 'BAD_REQUEST',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  NOT_FOUND: 'NOT_FOUND',
  MAX_DEPTH_LIMIT: 'MAX_DEPTH_LIMIT',
  MAX_ALIASES_LIMIT: 'MAX_ALIASES_LIMIT',
  MAX_ROOT_FIELDS_LIMIT: 'MAX_ROOT_FIELDS_LIMIT',
  MAX_DIRECTIVES_LIMIT: 'MAX_DIRECTIVES_LIMIT',
  MAX_TOKENS_LIMIT: 'MAX_TOKENS_LIMIT',
  MAX_HEIGHT_LIMIT: 'MAX_HEIGHT_LIMIT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED_FIELD_OR_TYPE: 'UNAUTHORIZED_FIELD_OR_TYPE',
  COST_ESTIMATED_TOO_EXPENSIVE: 'COST_ESTIMATED_TOO_EXPENSIVE',
  REQUEST_RATE_LIMITED: 'REQUEST_RATE_LIMITED',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  PERSISTED_QUERY_ID_REQUIRED: 'PERSISTED_QUERY_ID_REQUIRED',
  CANNOT_SEND_PQ_ID_AND_BODY: 'CANNOT_SEND_PQ_ID_AND_BODY',
  /** A subscription, or an operation using `@defer` or `@stream`: not executed by this gateway. */
  OPERATION_NOT_SUPPORTED: 'OPERATION_NOT_SUPPORTED',
  DOWNSTREAM_SERVICE_ERROR: 'DOWNSTREAM_SERVICE_ERROR',
  /** No fetch of the query plan answered a field (no subgraph can reach it): null at its path. */
  FIELD_UNREACHABLE: 'FIELD_UNREACHABLE',
  /**
   * A field whose `@requires` needs a field with other arguments than another selected field's
   * `@requires`: no one plan answers both, so it is null at its path with this error.
   */
  REQUIRES_ARGUMENT_CONFLICT: 'REQUIRES_ARGUMENT_CONFLICT',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  SUBGRAPH_TIMEOUT: 'SUBGRAPH_TIMEOUT',
  /** The whole request outlived `REQUEST_TIMEOUT_MS` (HTTP 504). */
  GATEWAY_TIMEOUT: 'GATEWAY_TIMEOUT',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface GatewayErrorOptions {
  /** HTTP status the whole response takes when this error ends the request. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly extensions?: Readonly<Record<string, unknown>>;
  readonly path?: ReadonlyArray<string | number>;
}

/**
 * The one error class the gateway throws. It carries `extensions.http` so that Apollo Server
 * answers with the intended status and headers instead of 500 when it is thrown from a plugin hook.
 */
export class GatewayError extends GraphQLError {
  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    super(message, {
      path: options.path,
      extensions: {
        ...options.extensions,
        code,
        ...(options.status !== undefined ? { http: { status: options.status, headers } } : {}),
      },
    });
  }
}

/** The body of a response the HTTP layer sends itself (before Apollo Server is reached). */
export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}
