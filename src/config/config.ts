import path from 'node:path';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from '../http/clientAddress.js';
import type { CompressionConfig } from '../http/compression.js';
import { DEVELOPMENT_ORIGINS, parseCorsOrigins, type CorsConfig } from '../http/cors.js';

/** Resolved, validated and frozen gateway configuration. `process.env` is read only in `main.ts`. */
export interface GatewayConfig {
  /** `production` turns introspection, query-plan exposure and stack traces off. */
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly production: boolean;
  /** @default '0.0.0.0' */
  readonly host: string;
  /** @default 4000 */
  readonly port: number;
  /**
   * Where Prometheus scrapes `/metrics`: a listener of its own, never the public port. Port `0`
   * picks a free port (tests). @default { host: '127.0.0.1', port: 9464 }
   */
  readonly metrics: { readonly host: string; readonly port: number };
  /** Absolute path of the supergraph SDL; watched for changes. @default './supergraph.graphql' */
  readonly supergraphPath: string;
  /**
   * The schema registry's `GET /supergraph` (`SUPERGRAPH_URL`): when set, the gateway follows it
   * instead of `supergraphPath`. @default undefined
   */
  readonly supergraphUrl: string | undefined;
  /** How often `supergraphUrl` is polled, in ms, less a random jitter of up to 20%. @default 10000 */
  readonly supergraphPollMs: number;
  /**
   * Bearer token for the registry (`REGISTRY_TOKEN`); absent outside production = one minted from
   * the development key. @default undefined
   */
  readonly registryToken: string | undefined;
  /** Subgraph URL overrides by subgraph name (lower case), from `SUBGRAPH_<NAME>_URL`. */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  /** Redis for budgets and cache (`REDIS_URL`, one node); absent = in-process stores. @default undefined */
  readonly redisUrl: string | undefined;
  /**
   * Seed nodes of a Redis Cluster (`REDIS_CLUSTER_NODES=host:port,host:port,…`) for budgets, cache
   * and APQ, used through ioredis's `Cluster` client; never set together with `redisUrl`.
   * @default undefined
   */
  readonly redisClusterNodes: readonly RedisNode[] | undefined;
  /**
   * Per Redis command, in milliseconds (`REDIS_COMMAND_TIMEOUT_MS`): a slow Redis costs a request
   * at most this much before the feature degrades (cache bypassed, in-process budget). @default 100
   */
  readonly redisCommandTimeoutMs: number;
  /** Log level for pino. @default 'info' */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly auth: AuthConfig;
  readonly limits: LimitsConfig;
  readonly cost: CostConfig;
  readonly rateLimit: RateLimitConfig;
  readonly subgraphs: SubgraphClientConfig;
  /** Overall deadline of a GraphQL request, in milliseconds; 504 `GATEWAY_TIMEOUT` after it. @default 30000 */
  readonly requestTimeoutMs: number;
  /**
   * Who runs query plans (`PLAN_EXECUTION`): `compiled`, this gateway's executor with a response
   * shaper compiled per operation, or `apollo`, `@apollo/gateway`'s own. @default 'compiled'
   */
  readonly planExecution: 'compiled' | 'apollo';
  /** GraphQL requests in flight at once; more get a fast 503 with Retry-After (`MAX_IN_FLIGHT`). @default 2000 */
  readonly maxInFlight: number;
  /** On SIGTERM/SIGINT, how long in-flight requests may finish before their connections close, in ms. @default 10000 */
  readonly shutdownGraceMs: number;
  /** On SIGTERM/SIGINT, how long `/ready` fails while requests are still accepted, so balancers move away first, in ms. @default 0 */
  readonly shutdownDelayMs: number;
  /** OpenTelemetry: spans exported over OTLP/HTTP only when an endpoint is set. */
  readonly tracing: { readonly otlpEndpoint: string | undefined; readonly serviceName: string };
  /** Static admin bearer token for `/cache/invalidate`; absent = only JWTs with `admin:cache`. */
  readonly adminToken: string | undefined;
  /** Per-field cache (src/cache): Redis when `redisUrl` or `redisClusterNodes` is set, else an in-process LRU. */
  readonly cache: CacheConfig;
  readonly persisted: PersistedConfig;
  /** Introspection (never in production). */
  readonly introspection: boolean;
  /** Browser pages of other origins (`CORS_*`). */
  readonly cors: CorsConfig;
  /** Response compression (`COMPRESSION`, `COMPRESSION_MIN_BYTES`). */
  readonly compression: CompressionConfig;
  /**
   * The GraphQL explorer on `GET /graphql` for browsers (`EXPLORER`), served offline from the
   * installed packages. @default on outside production, off in production
   */
  readonly explorer: boolean;
  /** Honour `Apollo-Expose-Query-Plan: true` (never in production). */
  readonly exposeQueryPlan: boolean;
  /**
   * Absolute path of the header rules (`HEADER_RULES_PATH`, YAML or JSON, Apollo Router's
   * `headers:` format): which client headers reach which subgraph. Validated at start-up,
   * watched. @default unset: no client header reaches a subgraph
   */
  readonly headerRulesPath: string | undefined;
}

export interface AuthConfig {
  readonly jwksUrl: string | undefined;
  readonly jwksPath: string | undefined;
  readonly publicKey: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  /** Accepted JWS algorithms; never `none`. @default asymmetric only */
  readonly algorithms: readonly string[];
  /** Leeway for `exp`/`nbf`, in seconds. @default 30 */
  readonly clockToleranceSec: number;
  /** Reject the whole request (401/403) instead of removing unauthorized fields. @default false */
  readonly rejectUnauthorized: boolean;
  /** JSON file with `@policy` rules. */
  readonly policiesPath: string | undefined;
  /** Private key (PEM, PKCS#8) that signs gateway→subgraph tokens; absent = development key. */
  readonly internalSigningKey: string | undefined;
  /** Lifetime of a gateway→subgraph token, in seconds (`INTERNAL_TOKEN_TTL_SECONDS`). @default 30 */
  readonly internalTokenTtlSec: number;
  /**
   * Scopes a subgraph checks in its own code, beyond its schema's `@requiresScopes`, by subgraph
   * name (`INTERNAL_TOKEN_EXTRA_SCOPES`, `name=scope` pairs; `*=scope` for every subgraph). Its
   * internal token carries only these and its schema's scopes. @default user and payment: `read:users:all`
   */
  readonly internalTokenExtraScopes: ReadonlyMap<string, readonly string[]>;
  /** Most scopes a client token may carry; more = 401 (`JWT_MAX_SCOPES`). @default 256 */
  readonly maxScopes: number;
  /** Folder holding development key material (created on first use outside production). */
  readonly devKeysDir: string;
}

export interface LimitsConfig {
  /**
   * Nesting of fields (fragments flattened, introspection fields counted): the full introspection
   * query of the development landing page has depth 14. @default 15
   */
  readonly maxDepth: number;
  /** @default 15 */
  readonly maxAliases: number;
  /** @default 20 */
  readonly maxRootFields: number;
  /** @default 50 */
  readonly maxDirectives: number;
  /**
   * Unique field selections (fragments expanded, same response key merged), Apollo Router's
   * `max_height`: operations/ reach 21, the full introspection query 230. @default 300
   */
  readonly maxHeight: number;
  /** Lexer tokens per document. @default 1000 */
  readonly maxTokens: number;
  /** Characters per document (string literals and comments count; tokens do not see them). @default 15000 */
  readonly maxQueryChars: number;
  /** Request body in bytes. @default 1_000_000 */
  readonly maxBodyBytes: number;
}

export interface CostConfig {
  /** @default 2000 */
  readonly maxCost: number;
  /** List size assumed where no `@listSize` or argument says. @default 10 */
  readonly defaultListSize: number;
}

export interface RateLimitConfig {
  /** Bucket capacity in cost points. @default 10000 */
  readonly capacity: number;
  /** Points added per second. @default 1000 */
  readonly refillPerSecond: number;
  /** Header carrying an issued API key (verified against `apiKeysPath`). @default 'x-api-key' */
  readonly apiKeyHeader: string;
  /**
   * Absolute path of the issued API keys (`API_KEYS_PATH`; hashes, names, tiers), watched for
   * changes; absent = the API-key header is ignored and anonymous callers are known by address.
   */
  readonly apiKeysPath: string | undefined;
  /**
   * Proxies trusted to append to `X-Forwarded-For` (`TRUST_PROXY`): a hop count (0 = none, the
   * socket address; `true` = 1) or addresses, CIDRs and `loopback` / `linklocal` / `uniquelocal`.
   * @default 0
   */
  readonly trustProxy: TrustProxy;
  /** Redis key prefix of the buckets (one key per caller). @default 'gw:v1:ratelimit:' */
  readonly keyPrefix: string;
  /**
   * Other budgets selected by a claim of the caller's JWT (`tierClaim`), by claim value; callers
   * without a matching claim get `capacity` / `refillPerSecond`. @default {}
   */
  readonly tiers: Readonly<Record<string, { capacity: number; refillPerSecond: number }>>;
  /** JWT claim naming the caller's tier. @default 'plan' */
  readonly tierClaim: string;
}

export interface SubgraphClientConfig {
  /** Per subgraph request, in milliseconds. @default 10000 */
  readonly timeoutMs: number;
  /** Keep-alive connections per subgraph. @default 128 */
  readonly connections: number;
  /** Retries of a failed query fetch (never a mutation), within the timeout. @default 2 */
  readonly maxRetries: number;
  /** Fetches in each subgraph's circuit-breaker window; more than half failing (of at least half a window) opens the circuit. @default 20 */
  readonly breakerWindow: number;
  /** How long an open circuit fails fast before one probe fetch, in milliseconds. @default 10000 */
  readonly breakerHalfOpenAfterMs: number;
  /**
   * Identical query fetches of one caller in flight at once share one HTTP fetch, and `_entities`
   * fetches send each distinct representation once (`SUBGRAPH_DEDUP`). @default true
   */
  readonly dedup: boolean;
  /**
   * Fetches of one request to one subgraph that are ready together go out as one merged request
   * (`SUBGRAPH_BATCHING`, `src/subgraphClient/batch.ts`). @default true
   */
  readonly batching: boolean;
}

export interface CacheConfig {
  /** Serve and store subgraph fields from the cache (`CACHE_ENABLED`). @default true */
  readonly enabled: boolean;
  /** Memory bound of the in-process cache (no Redis), in MiB (`CACHE_MAX_MEMORY_MB`). @default 64 */
  readonly maxMemoryMb: number;
  /** Redis key prefix of entries and versions (`CACHE_KEY_PREFIX`). @default 'gw:v1:cache:' */
  readonly keyPrefix: string;
}

export interface PersistedConfig {
  /** `off`, `allow` (manifest ids, automatic persisted queries and documents) or `safelist`. @default 'allow' */
  readonly mode: 'off' | 'allow' | 'safelist';
  /** The manifest `npm run operations:manifest` writes; watched. @default 'operations/manifest.json' */
  readonly manifestPath: string;
  /** In safelist mode, refuse bodies even when they match the list. @default false */
  readonly requireId: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const positiveNumber = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
  .transform(Number)
  .pipe(z.number().positive('must be a positive number'));
const bool = z
  .enum(['true', 'false', '1', '0'], 'must be true or false')
  .transform((v) => v === 'true' || v === '1');
const url = z.url('must be a URL such as http://host:port/path');

const schema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], 'must be development, production or test')
    .default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(4000),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: int(0, 65535).default(9464),
  SUPERGRAPH_PATH: z.string().min(1).default('supergraph.graphql'),
  SUPERGRAPH_URL: url.optional(),
  SUPERGRAPH_POLL_MS: int(100, 3_600_000).default(10_000),
  REGISTRY_TOKEN: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((value, ctx) => {
      const nodes = parseRedisNodes(value);
      if (typeof nodes === 'string') {
        ctx.addIssue({ code: 'custom', message: nodes });
        return z.NEVER;
      }
      return nodes;
    })
    .optional(),
  REDIS_COMMAND_TIMEOUT_MS: int(1, 60_000).default(100),
  LOG_LEVEL: z
    .enum(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'must be one of fatal, error, warn, info, debug, trace, silent',
    )
    .default('info'),
  JWT_JWKS_URL: url.optional(),
  JWT_JWKS_PATH: z.string().min(1).optional(),
  JWT_PUBLIC_KEY: z
    .string()
    .includes('-----BEGIN', { message: 'must be a PEM public key' })
    .optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_ALGORITHMS: z
    .string()
    .transform((v) => v.split(/[\s,]+/).filter(Boolean))
    .pipe(
      z
        .array(
          z.enum(
            [...ASYMMETRIC_ALGORITHMS, 'HS256', 'HS384', 'HS512'],
            'lists an unknown or forbidden algorithm (none is never allowed)',
          ),
        )
        .min(1),
    )
    .optional(),
  JWT_CLOCK_TOLERANCE_SECONDS: int(0, 300).default(30),
  AUTH_REJECT_UNAUTHORIZED: bool.default(false),
  AUTH_POLICIES_PATH: z.string().min(1).optional(),
  INTERNAL_JWT_PRIVATE_KEY: z
    .string()
    .includes('-----BEGIN', { message: 'must be a PEM private key' })
    .optional(),
  DEV_KEYS_DIR: z.string().min(1).default('.dev-keys'),
  INTERNAL_TOKEN_TTL_SECONDS: int(1, 300).default(30),
  INTERNAL_TOKEN_EXTRA_SCOPES: z
    .string()
    .regex(/^\s*(?:[^\s=]+=\S+(?:\s+|$))*$/, {
      message: 'must be name=scope pairs separated by spaces',
    })
    .default('user=read:users:all payment=read:users:all'),
  JWT_MAX_SCOPES: int(1, 10_000).default(256),
  MAX_DEPTH: int(1, 1000).default(15),
  MAX_ALIASES: int(0, 10_000).default(15),
  MAX_ROOT_FIELDS: int(1, 10_000).default(20),
  MAX_DIRECTIVES: int(0, 10_000).default(50),
  MAX_HEIGHT: int(1, 100_000).default(300),
  MAX_TOKENS: int(10, 1_000_000).default(1000),
  MAX_QUERY_CHARS: int(100, 100_000_000).default(15_000),
  MAX_BODY_BYTES: int(1024, 100_000_000).default(1_000_000),
  MAX_COST: int(1).default(2000),
  DEFAULT_LIST_SIZE: int(0, 100_000).default(10),
  RATE_LIMIT_CAPACITY: int(1).default(10_000),
  RATE_LIMIT_REFILL_PER_SECOND: positiveNumber.default(1000),
  RATE_LIMIT_API_KEY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
    .default('x-api-key'),
  TRUST_PROXY: z
    .string()
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (parsed.ok) return parsed.trust;
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    })
    .default(0),
  API_KEYS_PATH: z.string().min(1).optional(),
  HEADER_RULES_PATH: z.string().min(1).optional(),
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('gw:v1:ratelimit:'),
  RATE_LIMIT_TIERS: z
    .string()
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z.string(),
        z.object({ capacity: z.number().int().min(1), refillPerSecond: z.number().positive() }),
        'must map tier names to { "capacity": N, "refillPerSecond": N }',
      ),
    )
    .default({}),
  RATE_LIMIT_TIER_CLAIM: z.string().min(1).default('plan'),
  SUBGRAPH_TIMEOUT_MS: int(1, 600_000).default(10_000),
  SUBGRAPH_CONNECTIONS: int(1, 10_000).default(128),
  SUBGRAPH_MAX_RETRIES: int(0, 10).default(2),
  SUBGRAPH_DEDUP: bool.default(true),
  SUBGRAPH_BATCHING: bool.default(true),
  CIRCUIT_BREAKER_WINDOW: int(2, 10_000).default(20),
  CIRCUIT_BREAKER_HALF_OPEN_MS: int(10, 600_000).default(10_000),
  REQUEST_TIMEOUT_MS: int(1, 600_000).default(30_000),
  PLAN_EXECUTION: z.enum(['compiled', 'apollo']).default('compiled'),
  MAX_IN_FLIGHT: int(1, 1_000_000).default(2000),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  SHUTDOWN_DELAY_MS: int(0, 600_000).default(0),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('federation-gateway'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  CACHE_ENABLED: bool.default(true),
  CACHE_MAX_MEMORY_MB: int(1, 1_000_000).default(64),
  CACHE_KEY_PREFIX: z.string().min(1).default('gw:v1:cache:'),
  PERSISTED_OPERATIONS: z
    .enum(['off', 'allow', 'safelist'], 'must be off, allow or safelist')
    .default('allow'),
  PERSISTED_OPERATIONS_MANIFEST: z.string().min(1).default('operations/manifest.json'),
  PERSISTED_OPERATIONS_REQUIRE_ID: bool.default(false),
  CORS_ORIGINS: z
    .string()
    .transform((v, ctx) => {
      const parsed = parseCorsOrigins(v);
      for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: problem });
      return parsed.origins;
    })
    .optional(),
  CORS_ALLOW_CREDENTIALS: bool.default(false),
  CORS_ALLOW_HEADERS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, 'must list header names')))
    .default([]),
  CORS_MAX_AGE: int(0, 86_400).default(7200),
  COMPRESSION: z
    .enum(['on', 'off'], 'must be on or off')
    .transform((v) => v === 'on')
    .default(true),
  COMPRESSION_MIN_BYTES: int(0, 100_000_000).default(1024),
  EXPLORER: z
    .enum(['on', 'off'], 'must be on or off')
    .transform((v) => v === 'on')
    .optional(),
});

/**
 * Every variable the gateway reads, by name (the schema's keys), besides `SUBGRAPH_<NAME>_URL`
 * (see `SUBGRAPH_URL_VARIABLE`). Tests check docker-compose.yml and the README against it.
 */
export const GATEWAY_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

/** `SUBGRAPH_<NAME>_URL`: overrides the supergraph's URL for subgraph NAME (upper case). */
export const SUBGRAPH_URL_VARIABLE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;

/**
 * Reads the gateway's variables once at start-up. Every problem is reported at once, one line per
 * variable, so an operator fixes them in one go.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): GatewayConfig {
  // Empty strings mean "unset": docker-compose and shells pass them around freely.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(present);
  const problems: string[] = [];
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(present)) {
    const match = SUBGRAPH_URL_VARIABLE.exec(key);
    if (!match?.[1] || value === undefined) continue;
    if (url.safeParse(value).success) subgraphUrls[match[1].toLowerCase()] = value;
    else problems.push(`${key} must be a URL such as http://host:port/graphql (got "${value}")`);
  }
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${String(issue.path[0])} ${issue.message}`);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const v = parsed.data;
  const production = v.NODE_ENV === 'production';
  const keySources = [v.JWT_JWKS_URL, v.JWT_JWKS_PATH, v.JWT_PUBLIC_KEY].filter(Boolean).length;
  if (keySources > 1)
    problems.push('JWT_JWKS_URL, JWT_JWKS_PATH and JWT_PUBLIC_KEY are exclusive: set only one');
  if (production && keySources === 0)
    problems.push(
      'JWT_JWKS_URL, JWT_JWKS_PATH or JWT_PUBLIC_KEY must be set when NODE_ENV=production',
    );
  if (production && !v.INTERNAL_JWT_PRIVATE_KEY)
    problems.push('INTERNAL_JWT_PRIVATE_KEY must be set when NODE_ENV=production');
  // why: it would make every HTTPS subgraph call accept any certificate (fail open).
  if (present.NODE_TLS_REJECT_UNAUTHORIZED === '0')
    problems.push('NODE_TLS_REJECT_UNAUTHORIZED=0 turns off TLS certificate checks: unset it');
  if (v.JWT_PUBLIC_KEY && v.JWT_ALGORITHMS?.some((a) => a.startsWith('HS'))) {
    problems.push('JWT_ALGORITHMS may not list HS* algorithms with a public key (key confusion)');
  }
  const corsOrigins = v.CORS_ORIGINS ?? (production ? [] : DEVELOPMENT_ORIGINS);
  if (v.CORS_ALLOW_CREDENTIALS && corsOrigins.some((o) => o.kind === 'any'))
    problems.push('CORS_ALLOW_CREDENTIALS=true cannot go with CORS_ORIGINS=*: list the origins');
  if (v.REDIS_URL && v.REDIS_CLUSTER_NODES)
    problems.push(
      'REDIS_URL and REDIS_CLUSTER_NODES cannot both be set: REDIS_URL names one node, REDIS_CLUSTER_NODES a cluster',
    );
  if (production && v.SUPERGRAPH_URL && !v.REGISTRY_TOKEN)
    problems.push('REGISTRY_TOKEN must be set with SUPERGRAPH_URL when NODE_ENV=production');
  if (problems.length > 0) throw new ConfigError(problems);

  const config: GatewayConfig = {
    nodeEnv: v.NODE_ENV,
    production,
    host: v.HOST,
    port: v.PORT,
    metrics: { host: v.METRICS_HOST, port: v.METRICS_PORT },
    supergraphPath: path.resolve(cwd, v.SUPERGRAPH_PATH),
    supergraphUrl: v.SUPERGRAPH_URL,
    supergraphPollMs: v.SUPERGRAPH_POLL_MS,
    registryToken: v.REGISTRY_TOKEN,
    subgraphUrls,
    redisUrl: v.REDIS_URL,
    redisClusterNodes: v.REDIS_CLUSTER_NODES,
    redisCommandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS,
    logLevel: v.LOG_LEVEL,
    auth: {
      jwksUrl: v.JWT_JWKS_URL,
      jwksPath: v.JWT_JWKS_PATH && path.resolve(cwd, v.JWT_JWKS_PATH),
      publicKey: v.JWT_PUBLIC_KEY,
      issuer: v.JWT_ISSUER,
      audience: v.JWT_AUDIENCE,
      algorithms: v.JWT_ALGORITHMS ?? ASYMMETRIC_ALGORITHMS,
      clockToleranceSec: v.JWT_CLOCK_TOLERANCE_SECONDS,
      rejectUnauthorized: v.AUTH_REJECT_UNAUTHORIZED,
      policiesPath: v.AUTH_POLICIES_PATH && path.resolve(cwd, v.AUTH_POLICIES_PATH),
      internalSigningKey: v.INTERNAL_JWT_PRIVATE_KEY,
      devKeysDir: path.resolve(cwd, v.DEV_KEYS_DIR),
      internalTokenTtlSec: v.INTERNAL_TOKEN_TTL_SECONDS,
      internalTokenExtraScopes: extraScopes(v.INTERNAL_TOKEN_EXTRA_SCOPES),
      maxScopes: v.JWT_MAX_SCOPES,
    },
    limits: {
      maxDepth: v.MAX_DEPTH,
      maxAliases: v.MAX_ALIASES,
      maxRootFields: v.MAX_ROOT_FIELDS,
      maxDirectives: v.MAX_DIRECTIVES,
      maxHeight: v.MAX_HEIGHT,
      maxTokens: v.MAX_TOKENS,
      maxQueryChars: v.MAX_QUERY_CHARS,
      maxBodyBytes: v.MAX_BODY_BYTES,
    },
    cost: { maxCost: v.MAX_COST, defaultListSize: v.DEFAULT_LIST_SIZE },
    rateLimit: {
      capacity: v.RATE_LIMIT_CAPACITY,
      refillPerSecond: v.RATE_LIMIT_REFILL_PER_SECOND,
      apiKeyHeader: v.RATE_LIMIT_API_KEY_HEADER.toLowerCase(),
      apiKeysPath: v.API_KEYS_PATH && path.resolve(cwd, v.API_KEYS_PATH),
      trustProxy: v.TRUST_PROXY,
      keyPrefix: v.RATE_LIMIT_KEY_PREFIX,
      tiers: v.RATE_LIMIT_TIERS,
      tierClaim: v.RATE_LIMIT_TIER_CLAIM,
    },
    subgraphs: {
      timeoutMs: v.SUBGRAPH_TIMEOUT_MS,
      connections: v.SUBGRAPH_CONNECTIONS,
      maxRetries: v.SUBGRAPH_MAX_RETRIES,
      breakerWindow: v.CIRCUIT_BREAKER_WINDOW,
      breakerHalfOpenAfterMs: v.CIRCUIT_BREAKER_HALF_OPEN_MS,
      dedup: v.SUBGRAPH_DEDUP,
      batching: v.SUBGRAPH_BATCHING,
    },
    requestTimeoutMs: v.REQUEST_TIMEOUT_MS,
    planExecution: v.PLAN_EXECUTION,
    maxInFlight: v.MAX_IN_FLIGHT,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    shutdownDelayMs: v.SHUTDOWN_DELAY_MS,
    tracing: { otlpEndpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: v.OTEL_SERVICE_NAME },
    adminToken: v.ADMIN_TOKEN,
    cache: {
      enabled: v.CACHE_ENABLED,
      maxMemoryMb: v.CACHE_MAX_MEMORY_MB,
      keyPrefix: v.CACHE_KEY_PREFIX,
    },
    persisted: {
      mode: v.PERSISTED_OPERATIONS,
      manifestPath: path.resolve(cwd, v.PERSISTED_OPERATIONS_MANIFEST),
      requireId: v.PERSISTED_OPERATIONS_REQUIRE_ID,
    },
    introspection: !production,
    exposeQueryPlan: !production,
    headerRulesPath: v.HEADER_RULES_PATH && path.resolve(cwd, v.HEADER_RULES_PATH),
    cors: {
      origins: corsOrigins,
      allowCredentials: v.CORS_ALLOW_CREDENTIALS,
      allowHeaders: v.CORS_ALLOW_HEADERS,
      maxAgeSec: v.CORS_MAX_AGE,
    },
    compression: { enabled: v.COMPRESSION, minBytes: v.COMPRESSION_MIN_BYTES },
    explorer: v.EXPLORER ?? !production,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** `user=read:users:all payment=read:users:all` → scopes by subgraph name (`*` = every subgraph). */
function extraScopes(pairs: string): ReadonlyMap<string, readonly string[]> {
  const bySubgraph = new Map<string, string[]>();
  for (const pair of pairs.split(/\s+/).filter(Boolean)) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).toLowerCase();
    bySubgraph.set(name, [...(bySubgraph.get(name) ?? []), pair.slice(at + 1)]);
  }
  return bySubgraph;
}

/** One seed node of a Redis Cluster. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** `host:port,host:port,…` → nodes, or the sentence saying what is wrong. */
function parseRedisNodes(value: string): RedisNode[] | string {
  const nodes: RedisNode[] = [];
  for (const item of value.split(',').map((s) => s.trim())) {
    const match = /^(.+):(\d{1,5})$/.exec(item);
    const port = Number(match?.[2]);
    if (!match?.[1] || port < 1 || port > 65535)
      return `must be host:port entries separated by commas, got "${item}"`;
    nodes.push({ host: match[1].replace(/^\[(.*)\]$/, '$1'), port });
  }
  return nodes;
}

/** The schema registry's configuration (`npm run registry`). */
export interface RegistryConfig {
  /** @default 4100 */
  readonly port: number;
  /** @default '0.0.0.0' */
  readonly host: string;
  /** PostgreSQL (`REGISTRY_DATABASE_URL`); absent = the directory store. @default undefined */
  readonly databaseUrl: string | undefined;
  /** The directory store's folder (`REGISTRY_DIR`). @default './.registry' */
  readonly dir: string;
  /**
   * Who may call: the gateway's client-token settings (`JWT_*`), or `REGISTRY_JWKS_URL` for a key
   * set of its own; development key outside production when neither is set.
   */
  readonly auth: AuthConfig;
  /** Operation cost limits for the checks (`MAX_COST`, `DEFAULT_LIST_SIZE`), as the gateway's. */
  readonly cost: CostConfig;
  readonly logLevel: GatewayConfig['logLevel'];
  readonly production: boolean;
}

const registrySchema = z.object({
  REGISTRY_PORT: int(0, 65535).default(4100),
  REGISTRY_HOST: z.string().min(1).default('0.0.0.0'),
  REGISTRY_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgresql:// or postgres://')
    .optional(),
  REGISTRY_DIR: z.string().min(1).default('.registry'),
  REGISTRY_JWKS_URL: url.optional(),
});

/** Every variable the registry reads besides the gateway's `JWT_*`, `MAX_COST`, `DEFAULT_LIST_SIZE`, `LOG_LEVEL`, `NODE_ENV`. */
export const REGISTRY_VARIABLES: readonly string[] = Object.freeze(
  Object.keys(registrySchema.shape),
);

/** Reads the registry's variables once at start-up; every problem is reported at once. */
export function loadRegistryConfig(
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): RegistryConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const problems: string[] = [];
  const parsed = registrySchema.safeParse(present);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      problems.push(`${String(issue.path[0])} ${issue.message}`);
  const shared = [
    ...['JWT_JWKS_PATH', 'JWT_PUBLIC_KEY', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_ALGORITHMS'],
    ...['JWT_JWKS_URL', 'JWT_CLOCK_TOLERANCE_SECONDS', 'JWT_MAX_SCOPES', 'DEV_KEYS_DIR'],
    ...['MAX_COST', 'DEFAULT_LIST_SIZE', 'LOG_LEVEL'],
  ];
  let gateway: GatewayConfig | undefined;
  try {
    // why without NODE_ENV: the gateway's production rules (internal key) are not the registry's.
    gateway = loadConfig(Object.fromEntries(shared.map((k) => [k, present[k]])), cwd);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const production = present.NODE_ENV === 'production';
  const jwksUrl = parsed.data?.REGISTRY_JWKS_URL;
  if (
    production &&
    !jwksUrl &&
    !present.JWT_JWKS_URL &&
    !present.JWT_JWKS_PATH &&
    !present.JWT_PUBLIC_KEY
  )
    problems.push(
      'REGISTRY_JWKS_URL, JWT_JWKS_URL, JWT_JWKS_PATH or JWT_PUBLIC_KEY must be set when NODE_ENV=production',
    );
  if (!parsed.success || !gateway || problems.length > 0) throw new ConfigError(problems);
  const v = parsed.data;
  const auth: AuthConfig = jwksUrl
    ? { ...gateway.auth, jwksUrl, jwksPath: undefined, publicKey: undefined }
    : gateway.auth;
  return deepFreeze({
    port: v.REGISTRY_PORT,
    host: v.REGISTRY_HOST,
    databaseUrl: v.REGISTRY_DATABASE_URL,
    dir: path.resolve(cwd, v.REGISTRY_DIR),
    auth,
    cost: gateway.cost,
    logLevel: gateway.logLevel,
    production,
  });
}
