/**
 * Responses a shared cache (CDN, proxy) may store and hand to other callers: a GET whose
 * `Cache-Control` is public. Such a response must not carry what belongs to the caller who
 * happened to fill the cache: their remaining budget (`RateLimit-Remaining`, `RateLimit-Reset`,
 * `extensions.cost.budgetRemaining`) and their request id. Those parts are dropped from it; the
 * budget was still charged, and the request id is in the log line. Every other response is
 * `private` or uncacheable, and keeps them.
 */

/** Headers that describe the caller or the request, not the data. */
const CALLER_HEADERS = ['ratelimit-remaining', 'ratelimit-reset', 'x-request-id'] as const;

/** Whether a shared cache may store this response (RFC 9111 §3, for what the gateway sends). */
export function sharedCacheable(method: string, cacheControl: string | undefined): boolean {
  if (method !== 'GET' || !cacheControl) return false;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim().split('=', 1)[0]);
  if (directives.some((d) => d === 'private' || d === 'no-store' || d === 'no-cache')) return false;
  return directives.includes('public') || directives.includes('s-maxage');
}

/** The headers to remove from a shared-cacheable response. */
export const callerHeaders: readonly string[] = CALLER_HEADERS;

/** The JSON body without `extensions.cost.budgetRemaining`; unchanged when it has none. */
export function withoutCallerParts(body: string): string {
  if (!body.includes('"budgetRemaining"')) return body;
  try {
    const parsed = JSON.parse(body) as { extensions?: { cost?: Record<string, unknown> } };
    const cost = parsed.extensions?.cost;
    if (!cost || !Object.hasOwn(cost, 'budgetRemaining')) return body;
    delete cost.budgetRemaining;
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}

/** `vary` with `Accept` added once (GraphQL over HTTP chooses the media type by `Accept`). */
export function varyWithAccept(vary: string | undefined): string {
  if (!vary) return 'Accept';
  const names = vary.split(',').map((v) => v.trim().toLowerCase());
  return names.includes('accept') || names.includes('*') ? vary : `${vary}, Accept`;
}
