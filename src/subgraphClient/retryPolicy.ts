/**
 * When and how long to wait before retrying a subgraph fetch. Pure: no I/O, no clock of its own
 * (callers pass `now` and a random source), so every rule is unit-tested with tables.
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
