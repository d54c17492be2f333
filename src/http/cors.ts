import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';

/** Who may call the gateway from a browser page of another origin. */
export interface CorsConfig {
  /**
   * Allowed origins (`CORS_ORIGINS`): exact origins, `/regex/` entries matched against the whole
   * origin, or `*` (any origin, never with credentials). Empty = no CORS headers at all.
   * @default development: any `http://localhost:*` and `http://127.0.0.1:*`; production: none
   */
  readonly origins: readonly CorsOrigin[];
  /** `Access-Control-Allow-Credentials: true`, echoing the exact origin (`CORS_ALLOW_CREDENTIALS`). @default false */
  readonly allowCredentials: boolean;
  /** Request headers allowed on top of the ones GraphQL clients send (`CORS_ALLOW_HEADERS`). @default [] */
  readonly allowHeaders: readonly string[];
  /** How long a browser may reuse a preflight, in seconds (`CORS_MAX_AGE`). @default 7200 */
  readonly maxAgeSec: number;
}

export type CorsOrigin =
  | { readonly kind: 'any' }
  | { readonly kind: 'exact'; readonly origin: string }
  | { readonly kind: 'pattern'; readonly pattern: RegExp };

/** What development allows when `CORS_ORIGINS` is unset: pages served from this machine. */
export const DEVELOPMENT_ORIGINS: readonly CorsOrigin[] = [
  { kind: 'pattern', pattern: /^http:\/\/localhost(:\d+)?$/ },
  { kind: 'pattern', pattern: /^http:\/\/127\.0\.0\.1(:\d+)?$/ },
];

/** Headers GraphQL clients send (Apollo Client, urql, graphql-request, the explorer). */
const CLIENT_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollo-query-plan-experimental',
  'apollo-expose-query-plan',
  'traceparent',
  'tracestate',
  'x-request-id',
];

/** Response headers a page may read: its budget, when to retry, the id to quote in a report. */
const EXPOSED_HEADERS = [
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
  'x-request-id',
];

/**
 * Parses `CORS_ORIGINS`: a comma-separated list of exact origins, `/regex/` entries and `*`.
 * Returns the problems instead of throwing, so config can report them all at once.
 */
export function parseCorsOrigins(value: string): { origins: CorsOrigin[]; problems: string[] } {
  const origins: CorsOrigin[] = [];
  const problems: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry === '*') {
      origins.push({ kind: 'any' });
    } else if (entry.length > 2 && entry.startsWith('/') && entry.endsWith('/')) {
      try {
        // why anchored: an unanchored `/example\.com/` would also allow `https://example.com.evil.io`.
        origins.push({ kind: 'pattern', pattern: new RegExp(`^(?:${entry.slice(1, -1)})$`) });
      } catch {
        problems.push(`"${entry}" is not a valid regular expression`);
      }
    } else if (/^https?:\/\/[^/\s]+$/i.test(entry)) {
      origins.push({ kind: 'exact', origin: entry.toLowerCase() });
    } else {
      problems.push(`"${entry}" is not an origin such as https://app.example.com (no path)`);
    }
  }
  return { origins, problems };
}

/** Runs before anything else on a request: answers a preflight itself, else adds CORS headers. */
export type CorsHandler = (req: IncomingMessage, res: ServerResponse) => 'answered' | 'continue';

/**
 * Builds the CORS policy once at start-up. The header logic is the `cors` package's (what Express
 * users know); this file only decides whether an origin is allowed. An origin that is not allowed
 * gets no `Access-Control-Allow-*` header at all, so the browser blocks the page, and its request
 * is otherwise served as if it came from no browser at all (never a 5xx).
 */
export function createCors(config: CorsConfig, apiKeyHeader: string): CorsHandler {
  if (!config.origins.length) return () => 'continue';
  const anyOrigin = config.origins.some((o) => o.kind === 'any');
  const allowed = (origin: string): boolean =>
    config.origins.some((o) => {
      switch (o.kind) {
        case 'any':
          return true;
        case 'exact':
          return o.origin === origin.toLowerCase();
        case 'pattern':
          return o.pattern.test(origin);
      }
    });
  const middleware = cors({
    // why echo with credentials: browsers refuse `*` together with credentials.
    origin: anyOrigin && !config.allowCredentials ? '*' : true,
    credentials: config.allowCredentials,
    methods: ['GET', 'POST'],
    allowedHeaders: [...new Set([...CLIENT_HEADERS, apiKeyHeader, ...config.allowHeaders])],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: config.maxAgeSec,
    optionsSuccessStatus: 204,
  });
  return (req, res) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !allowed(origin)) return 'continue';
    let answered = true;
    // why synchronous: `cors` with static options calls `next` (or ends a preflight) at once.
    middleware(req, res, () => {
      answered = false;
    });
    if (!answered) res.setHeader('vary', mergeVary(res.getHeader('vary'), 'Origin'));
    return answered ? 'answered' : 'continue';
  };
}

function mergeVary(current: unknown, field: string): string {
  const existing = typeof current === 'string' ? current : '';
  const fields = existing
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (!fields.some((f) => f.toLowerCase() === field.toLowerCase())) fields.push(field);
  return fields.join(', ');
}
