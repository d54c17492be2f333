import { trace } from '@opentelemetry/api';
import type { RetryPolicy } from 'cockatiel';
import { Pool } from 'undici';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from '../context.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { traceHeaders, withSpan } from '../observability/tracing.js';
import { headerVariation } from '../headers/apply.js';
import { attempt, type AttemptResult } from './attempt.js';
import { createBreaker, SubgraphFault, type Breaker, type BreakerOptions } from './breaker.js';
import {
  callerIdentity,
  compactEntities,
  fetchKey,
  InflightFetches,
  succeeded,
  type FetchOutcome,
} from './dedup.js';
import { markDegraded } from './degraded.js';
import { describeFailure, failureResponse } from './failure.js';
import { createFetchShapes, type FetchShape } from './fetchShape.js';
import { onAbort } from './onAbort.js';
import {
  createRetryPolicy,
  DEFAULT_RETRY,
  nextRetryDelay,
  type RetryableAttempt,
} from './retryPolicy.js';

export interface SubgraphClientOptions {
  readonly name: string;
  readonly url: string;
  /** Budget of one fetch, retries included, in milliseconds; `@apollo/gateway`'s own data source has none. */
  readonly timeoutMs: number;
  /** Keep-alive connections in this subgraph's pool. */
  readonly connections: number;
  readonly metrics: GatewayMetrics;
  /**
   * Extra headers for a request (the internal token, bound to the fetch's query text, and to a
   * mutation's variables); sent after, so over, the trace headers.
   */
  readonly headers?: (
    context: GatewayContext | undefined,
    request: { query: string; variables?: Record<string, unknown>; mutation: boolean },
  ) => Promise<Record<string, string>> | Record<string, string>;
  /** Retries of a failed query fetch (mutations are never retried). @default 2 */
  readonly maxRetries?: number;
  /** The circuit breaker of this subgraph. @default window 20, threshold 0.5, half-open after 10 s */
  readonly breaker?: Partial<Omit<BreakerOptions, 'onStateChange'>>;
  /** Largest accepted response body, in bytes. @default 10 MiB */
  readonly maxResponseBytes?: number;
  /**
   * Deduplicate query fetches (`SUBGRAPH_DEDUP`): identical ones of one caller in flight at once
   * share one HTTP fetch, and an `_entities` fetch sends each distinct representation once.
   * @default true
   */
  readonly dedup?: boolean;
  /**
   * The client headers the header rules send to this subgraph for a request (`HEADER_RULES_PATH`);
   * sent under the gateway's own headers, and part of the deduplication key. @default none
   */
  readonly forwardHeaders?: (
    context: GatewayContext | undefined,
  ) => Readonly<Record<string, string>>;
}

/** How one fetch may be deduplicated (see {@link SubgraphClientOptions.dedup}). */
export interface SendOptions {
  /**
   * `false`: never share an HTTP fetch with another request (a mutation's follow-up reads must
   * see its write, not join a read that started before it). A string: share only with fetches
   * given the same string (the cache passes the entity versions it read), even with `dedup` off:
   * identical cache misses always share one fetch (no stampede on a cold cache). @default true
   */
  readonly share?: boolean | string;
  /**
   * The header rules' headers for this fetch, when the caller computed them already (the cache
   * keys its entries on them): what is sent is then exactly what the entries were keyed on.
   */
  readonly forwarded?: Readonly<Record<string, string>>;
}

/** One GraphQL request to a subgraph, as the query plan's fetch node describes it. */
export interface SubgraphRequest {
  readonly query: string;
  readonly variables: Record<string, unknown> | undefined;
  readonly operationName: string | undefined;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** A failed attempt thrown through the circuit breaker, so that it counts as a failure there. */
class AttemptFault extends SubgraphFault {
  constructor(readonly result: AttemptResult) {
    super('subgraph attempt failed');
  }
}

/**
 * Sends fetches to one subgraph over a keep-alive pool, behind its circuit breaker, retrying
 * queries (never mutations) with jittered backoff or the subgraph's `Retry-After`, all within one
 * time budget. Failures never throw: they come back as GraphQL errors with a gateway code and
 * `serviceName`, so `@apollo/gateway` gives them the paths of the fetch and the rest of the plan
 * carries on (partial data). No URL or body reaches the client; details go to the request's log.
 * Identical query fetches of one caller in flight at once share one HTTP fetch (`dedup.ts`).
 */
export class SubgraphClient implements GraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly breaker: Breaker;
  private readonly retry: RetryPolicy;
  private readonly shapeOf = createFetchShapes();
  private readonly inflight = new InflightFetches<FetchOutcome>();

  constructor(private readonly options: SubgraphClientOptions) {
    this.name = options.name;
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: options.maxResponseBytes ?? 10 * 1024 * 1024,
    });
    const circuit = options.metrics.subgraphCircuitOpen.labels({ subgraph: options.name });
    circuit.set(0);
    this.breaker = createBreaker({
      window: options.breaker?.window ?? 20,
      threshold: options.breaker?.threshold ?? 0.5,
      halfOpenAfterMs: options.breaker?.halfOpenAfterMs ?? 10_000,
      onStateChange: (state) => circuit.set(state === 'open' ? 1 : 0),
    });
    this.retry = createRetryPolicy(options.maxRetries ?? DEFAULT_RETRY.maxRetries);
    this.retry.onRetry((event) => {
      if (!('value' in event)) return;
      options.metrics.subgraphRetries.inc({ subgraph: options.name });
      (event.value as Attempted).log?.debug(
        { subgraph: options.name, retry: event.attempt, delayMs: event.delay },
        'retrying subgraph fetch',
      );
    });
  }

  process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const context = 'incomingRequestContext' in options ? options.context : undefined;
    return this.send(
      {
        query: request.query ?? '',
        variables: request.variables,
        operationName: request.operationName,
      },
      context,
    );
  }

  /** Sends one fetch (with retries); the cache and other wrappers call this directly. */
  async send(
    request: SubgraphRequest,
    context: GatewayContext | undefined,
    options: SendOptions = {},
  ): Promise<GatewayGraphQLResponse> {
    const representations = request.variables?.representations;
    const fetch: FailedFetch = {
      context,
      forwarded: options.forwarded ?? this.forwardedHeaders(context),
      shape: this.shapeOf(request.query),
      representations: Array.isArray(representations) ? representations.length : undefined,
    };
    const body = JSON.stringify(request);
    // The request's deadline: once it passes, the fetch is abandoned (the client got its 504).
    const requestSignal = context?.state.deadline;
    const share = options.share ?? true;
    const shared = typeof share === 'string' || (share && this.options.dedup !== false);
    if (!shared || fetch.shape.mutation) {
      const outcome = await this.fetch(request, body, fetch, requestSignal);
      return this.answer(fetch, outcome, true);
    }
    const key = fetchKey(
      callerIdentity(context?.principal),
      share === true ? '' : share,
      body,
      headerVariation(fetch.forwarded),
    );
    // why: the shared fetch runs on its own signal, each request waits on its own deadline.
    const joined = await this.inflight.join(key, requestSignal, (signal) =>
      this.fetch(request, body, fetch, signal),
    );
    if (!joined) {
      const failure = describeFailure({ kind: 'timed-out' }, this.name, this.options.timeoutMs);
      const detail = 'request deadline passed while awaiting the subgraph';
      return this.answer(fetch, { ok: false, failure, detail }, false);
    }
    if (!joined.leader) {
      this.options.metrics.subgraphDeduplicated.inc({ subgraph: this.name });
      trace
        .getActiveSpan()
        ?.addEvent('gateway.subgraph.deduplicated', { 'gateway.subgraph': this.name });
    }
    return this.answer(fetch, joined.value, joined.leader);
  }

  /**
   * One fetch over HTTP, retries included, within the client's time budget; `abort` ends it early
   * (the request's deadline, or: nobody awaits the shared fetch any more). When shared, the
   * leader's `fetch.context` gives the headers (the same caller as every follower's) and the logs
   * of retries; each request's own answer is made by `answer`.
   */
  private async fetch(
    request: SubgraphRequest,
    body: string,
    fetch: FailedFetch,
    abort: AbortSignal | undefined,
  ): Promise<FetchOutcome> {
    const stopTimer = this.options.metrics.subgraphDuration.startTimer({ subgraph: this.name });
    // The fetch's own signal: aborted when its time budget runs out or `abort` fires, never on
    // return (an abort builds a DOMException and runs every listener; nothing awaits it then).
    // why onAbort: a request's deadline signal is shared by every fetch of its plan (onAbort.ts).
    const budget = new AbortController();
    // why unref: a pending budget never keeps the process alive.
    const timer = setTimeout(() => budget.abort(), this.options.timeoutMs).unref();
    const stopWaiting = abort && onAbort(abort, () => budget.abort());
    if (abort?.aborted) budget.abort();
    try {
      return await this.attempts(request, body, fetch, budget.signal);
    } finally {
      clearTimeout(timer);
      stopWaiting?.();
      stopTimer();
    }
  }

  /**
   * The attempts of one fetch, through the retry policy: each goes through the circuit breaker,
   * and a failed query names the delay before its retry (`nextRetryDelay`); a mutation is never
   * sent twice, its side effect may have happened already.
   */
  private async attempts(
    request: SubgraphRequest,
    body: string,
    fetch: FailedFetch,
    signal: AbortSignal,
  ): Promise<FetchOutcome> {
    const { metrics, name, timeoutMs } = this.options;
    const { context } = fetch;
    const deadline = Date.now() + timeoutMs;
    const compact =
      this.options.dedup === false || fetch.shape.mutation ? undefined : compactEntities(request);
    const base = {
      pool: this.pool,
      path: this.path,
      headers: {
        // why first: the gateway's own headers below always win (forbidden in rules anyway).
        ...fetch.forwarded,
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(context ? { 'x-request-id': context.requestId } : {}),
        ...traceHeaders(context?.headers),
        ...(await this.options.headers?.(context, {
          query: request.query,
          variables: request.variables,
          mutation: fetch.shape.mutation,
        })),
      },
      body: compact?.body ?? body,
      signal,
      representations: compact?.count ?? fetch.representations,
    };
    /** The failure the policy is waiting to retry, if it is waiting. */
    let waiting: FetchOutcome | undefined;
    const run = this.retry.execute(async ({ attempt: retry }): Promise<Attempted> => {
      // why: aborted while the policy waited (the fetch was answered already, see below).
      if (waiting && signal.aborted) return { outcome: waiting, retryIn: undefined };
      waiting = undefined;
      const result = await this.attemptThroughBreaker(base, retry);
      if (result === 'open') {
        metrics.subgraphRequests.inc({ subgraph: name, outcome: 'circuit_open' });
        const failure = describeFailure({ kind: 'circuit-open' }, name, timeoutMs);
        return { outcome: { ok: false, failure }, retryIn: undefined };
      }
      metrics.subgraphRequests.inc({ subgraph: name, outcome: outcomeLabel(result) });
      if (result.ok)
        return {
          outcome: succeeded(result.response, result.text, compact?.expand),
          retryIn: undefined,
        };
      const outcome = this.failed(result);
      const retryIn = fetch.shape.mutation
        ? undefined
        : nextRetryDelay(result.outcome, retry, deadline - Date.now(), this.retryOptions);
      if (retryIn !== undefined) waiting = outcome;
      return { outcome, retryIn, log: context?.log };
    }, signal);
    // why: cockatiel's wait before a retry cannot be interrupted; an abort during it answers at
    // once with the failure being retried, and the policy then stops without another attempt.
    return (
      await settledOrAbandoned(
        run,
        signal,
        () => waiting && { outcome: waiting, retryIn: undefined },
      )
    ).outcome;
  }

  /**
   * The response of one request: the fetched one, or (`copy`) its own copy of it; a failure is
   * logged and marked for this request, whether it led the fetch or shared it.
   */
  private answer(
    fetch: FailedFetch,
    outcome: FetchOutcome,
    original: boolean,
  ): GatewayGraphQLResponse {
    if (outcome.ok) return original ? outcome.response : outcome.copy();
    if (outcome.detail !== undefined)
      fetch.context?.log.warn(
        { subgraph: this.name, err: outcome.detail },
        'subgraph request failed',
      );
    // Named in the response's `extensions.degradedSubgraphs`.
    markDegraded(fetch.context, this.name);
    return failureResponse(this.name, outcome.failure, fetch.shape, fetch.representations);
  }

  /** The header rules' headers for a fetch of this subgraph in this request. */
  forwardedHeaders(context: GatewayContext | undefined): Readonly<Record<string, string>> {
    return this.options.forwardHeaders?.(context) ?? NO_HEADERS;
  }

  /** Closes the pool once its fetches are done; `force` aborts them (shutdown grace ran out). */
  async close(force = false): Promise<void> {
    await (force ? this.pool.destroy() : this.pool.close());
  }

  private get retryOptions() {
    return { ...DEFAULT_RETRY, maxRetries: this.options.maxRetries ?? DEFAULT_RETRY.maxRetries };
  }

  private attemptThroughBreaker(
    base: Parameters<typeof attempt>[0],
    retry: number,
  ): Promise<AttemptResult | 'open'> {
    return withSpan(
      'subgraph.http',
      async (span) => {
        try {
          const run = await this.breaker.run(async () => {
            const result = await attempt(base);
            if (!result.ok && result.fault) throw new AttemptFault(result);
            return result;
          });
          return run.open ? 'open' : run.value;
        } catch (error) {
          if (error instanceof AttemptFault) {
            span.setAttribute(
              'gateway.subgraph.failure',
              error.result.ok ? '' : error.result.detail,
            );
            return error.result;
          }
          throw error;
        }
      },
      { 'gateway.subgraph': this.name, 'gateway.subgraph.retry': retry },
    );
  }

  private failed(result: AttemptResult & { ok: false }): FetchOutcome {
    const failure = describeFailure(result.outcome, this.name, this.options.timeoutMs);
    return { ok: false, failure, detail: result.detail };
  }
}

/** One attempt's outcome, as the retry policy sees it (`log`: where its retry is logged). */
interface Attempted extends RetryableAttempt {
  readonly outcome: FetchOutcome;
  readonly log?: GatewayContext['log'];
}

/**
 * `run`'s result, or, as soon as `signal` aborts while `pending` has one, that instead (`run`
 * goes on by itself).
 */
function settledOrAbandoned<T>(
  run: Promise<T>,
  signal: AbortSignal,
  pending: () => T | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () => {
      const value = pending();
      if (value !== undefined) resolve(value);
    });
    void run.finally(stop).then(resolve, reject);
  });
}

/** What a failure needs to know about the fetch it answers. */
interface FailedFetch {
  readonly context: GatewayContext | undefined;
  /** The header rules' headers: identical for every request sharing the fetch (deduplication key). */
  readonly forwarded: Readonly<Record<string, string>>;
  readonly shape: FetchShape;
  readonly representations: number | undefined;
}

function outcomeLabel(result: AttemptResult): string {
  if (result.ok) return 'ok';
  switch (result.outcome.kind) {
    case 'timed-out':
      return 'timeout';
    case 'connection-failed':
      return 'unavailable';
    case 'invalid-response':
      return 'invalid';
    case 'answered':
      return 'error';
  }
}
