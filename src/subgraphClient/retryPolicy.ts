import {
  DelegateBackoff,
  handleWhenResult,
  retry,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';

/**
 * When and how long to wait before retrying a subgraph fetch. The rules (`nextRetryDelay`) are
 * pure: no I/O, no clock of their own (callers pass `now` and a random source), so every rule is
 * unit-tested with tables; cockatiel's retry policy (`createRetryPolicy`) runs the attempts.
 */

/** How one attempt ended, as far as retrying is concerned. */
export type AttemptOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'connection-failed' }
  | { readonly kind: 'timed-out' }
  | { readonly kind: 'invalid-response' };

export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  readonly maxRetries: number;
  /** First backoff ceiling, in milliseconds; doubles per retry. @default 50 */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling, in milliseconds. @default 1000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 2, baseDelayMs: 50, maxDelayMs: 1000 };

/** HTTP statuses worth another try: throttled, or an intermediary/overloaded subgraph. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * The delay before the next attempt, or `undefined` to stop. `retry` is 0 for the first retry.
 * A query is retried on a refused/reset connection and on 429/502/503/504; never after a timeout
 * (the fetch's time budget is spent) or on a response that is not GraphQL (the subgraph answered;
 * asking again would only double its load). `Retry-After` wins over backoff; when it asks for more
 * time than `remainingMs`, we stop rather than answer late.
 */
export function nextRetryDelay(
  outcome: AttemptOutcome,
  retry: number,
  remainingMs: number,
  options: RetryOptions = DEFAULT_RETRY,
  random: () => number = Math.random,
  now: number = Date.now(),
): number | undefined {
  if (retry >= options.maxRetries) return undefined;
  if (outcome.kind === 'timed-out' || outcome.kind === 'invalid-response') return undefined;
  if (outcome.kind === 'answered' && !RETRYABLE_STATUS.has(outcome.status)) return undefined;
  const requested =
    outcome.kind === 'answered' ? parseRetryAfter(outcome.retryAfter, now) : undefined;
  // "Full jitter" (AWS architecture blog): spreads retries of many gateways over the window.
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  const delay = requested ?? Math.floor(random() * ceiling);
  return delay < remainingMs ? delay : undefined;
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); `undefined` when
 * absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // why: every HTTP-date form starts with a day name; `Date.parse` would read "-1" as a year.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** An attempt as the retry policy sees it: retried after `retryIn` ms, or final when undefined. */
export interface RetryableAttempt {
  /** `nextRetryDelay` of the attempt's outcome; undefined: no retry (success, or give up). */
  readonly retryIn: number | undefined;
}

/**
 * Cockatiel's retry policy over attempts that name their own delay: an attempt returning a
 * `retryIn` is retried after exactly that long (jittered backoff, or the subgraph's
 * `Retry-After`), at most `maxRetries` times, and never once the signal given to `execute` has
 * aborted. One policy serves every fetch of a subgraph; `onRetry` fires before each wait.
 */
export function createRetryPolicy(maxRetries: number): RetryPolicy {
  return retry(
    handleWhenResult((attempt) => (attempt as RetryableAttempt).retryIn !== undefined),
    {
      maxAttempts: maxRetries,
      backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) =>
        'value' in context.result ? ((context.result.value as RetryableAttempt).retryIn ?? 0) : 0,
      ),
    },
    // why unref: a fetch abandoned while waiting (see subgraphClient.ts) must not hold the process.
  ).dangerouslyUnref();
}
