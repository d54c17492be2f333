import { errors as undiciErrors, type Pool } from 'undici';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { AttemptOutcome } from './retryPolicy.js';

/** What one HTTP attempt against a subgraph came to. */
export type AttemptResult =
  | {
      readonly ok: true;
      readonly response: GatewayGraphQLResponse;
      /** The body as received: parsed again for each further request sharing the fetch. */
      readonly text: string;
    }
  | {
      readonly ok: false;
      readonly outcome: AttemptOutcome;
      /** Whether this counts against the subgraph's health (circuit breaker). */
      readonly fault: boolean;
      /** For the log only: never sent to a client (it may name hosts or echo the body). */
      readonly detail: string;
    };

export interface AttemptRequest {
  readonly pool: Pool;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly signal: AbortSignal;
  /** `variables.representations` of an `_entities` fetch, to check the answer's length. */
  readonly representations: number | undefined;
}

/**
 * Sends one POST and classifies the answer. Never throws: a refused connection, a timeout, an HTTP
 * error, a body that is not a GraphQL response, or an `_entities` list of the wrong length each
 * become a failed result, so retrying and the circuit breaker decide on one shape.
 */
export async function attempt(request: AttemptRequest): Promise<AttemptResult> {
  let status: number;
  let retryAfter: string | undefined;
  let text: string;
  try {
    const response = await request.pool.request({
      path: request.path,
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: request.signal,
    });
    status = response.statusCode;
    const header = response.headers['retry-after'];
    retryAfter = Array.isArray(header) ? header[0] : header;
    text = await response.body.text();
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof undiciErrors.ResponseExceededMaxSizeError)
      return failed({ kind: 'invalid-response' }, 'response too large');
    if (isTimeout(error) || request.signal.aborted) return failed({ kind: 'timed-out' }, detail);
    return failed({ kind: 'connection-failed' }, detail);
  }

  if (status >= 500) return failed({ kind: 'answered', status, retryAfter }, `HTTP ${status}`);
  const parsed = parseGraphQLResponse(text);
  if (status === 429 || (status >= 400 && !parsed?.errors?.length)) {
    // why: a throttling or refusing subgraph is alive; only 5xx and garbage count as faults.
    return {
      ok: false,
      outcome: { kind: 'answered', status, retryAfter },
      fault: false,
      detail: `HTTP ${status}`,
    };
  }
  if (!parsed)
    return failed({ kind: 'invalid-response' }, `HTTP ${status}, not a GraphQL response`);
  if (!entitiesMatch(parsed, request.representations))
    return failed({ kind: 'invalid-response' }, '_entities length differs from representations');
  return { ok: true, response: parsed, text };
}

function failed(outcome: AttemptOutcome, detail: string): AttemptResult {
  return { ok: false, outcome, fault: true, detail };
}

/** A JSON object with `data` and/or an `errors` array: anything else is garbage. */
function parseGraphQLResponse(text: string): GatewayGraphQLResponse | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { data, errors } = body as Record<string, unknown>;
  if (data === undefined && errors === undefined) return undefined;
  if (errors !== undefined && !Array.isArray(errors)) return undefined;
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data)))
    return undefined;
  return body;
}

/**
 * An `_entities` answer must have one item per representation (federation spec); otherwise
 * `@apollo/gateway` would report the mismatch with its own message, and merging a shorter list
 * would attach entities to the wrong parents.
 */
function entitiesMatch(response: GatewayGraphQLResponse, representations: number | undefined) {
  if (representations === undefined || !response.data) return true;
  const entities = (response.data as { _entities?: unknown })._entities;
  if (entities === undefined || entities === null) return true;
  return Array.isArray(entities) && entities.length === representations;
}

function isTimeout(error: unknown): boolean {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  )
    return true;
  const name = (error as { name?: string } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}
