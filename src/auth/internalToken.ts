import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../context.js';
import { INTERNAL_ISSUER, type SigningKeyPair } from './keys.js';
import { sha256, variablesHash, type BoundRequest } from './requestBinding.js';

/** The subgraph request an internal token is minted for. */
export interface InternalTokenRequest extends BoundRequest {
  /** A mutation's token is bound to its variables too, single-use (`jti`) and never reused. */
  readonly mutation: boolean;
}

/** Signs the short-lived tokens the gateway sends each subgraph instead of the client's token. */
export interface InternalTokenSigner {
  /**
   * Runs before every subgraph request: the `Authorization` header for `subgraph` on behalf of
   * `principal` (null = anonymous caller: a token without `sub`), bound to `request` (its query
   * text; a mutation's variables too). Query tokens are cached per (subgraph, caller, scopes, query),
   * so signing is rare; each mutation gets its own.
   */
  headers(
    subgraph: string,
    principal: Principal | null,
    request?: InternalTokenRequest,
  ): Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  /** Tokens signed so far (cache misses and mutations); for metrics and tests. */
  signed(): number;
}

export interface InternalTokenOptions {
  /** Lifetime of a token, in seconds. @default 30 */
  readonly ttlSec?: number;
  /** A cached token is reused until it is this old, in seconds. @default 20 */
  readonly reuseSec?: number;
  /** Cached tokens (one per subgraph × caller × scopes × query). @default 10000 */
  readonly maxEntries?: number;
  /**
   * The scopes subgraph `name` may see: those its schema's directives and its own checks use.
   * The caller's other scopes are left out of its token. `undefined` = every scope. @default every scope
   */
  readonly scopesFor?: (subgraph: string) => ReadonlySet<string> | undefined;
}

interface Entry {
  readonly headers: Promise<Readonly<Record<string, string>>> | Readonly<Record<string, string>>;
  readonly refreshAt: number;
}

/**
 * Builds the signer once at start-up. The token carries `iss` = the gateway, `aud` = the subgraph
 * name, the caller's `sub`, the scopes that subgraph uses (`scope`), the request's binding (`qh`,
 * and `vh` + `jti` for a mutation), `iat` and `exp`; a subgraph accepts nothing else.
 */
export function createInternalTokenSigner(
  key: SigningKeyPair,
  options: InternalTokenOptions = {},
): InternalTokenSigner {
  const ttlSec = options.ttlSec ?? 30;
  const reuseMs = Math.min(options.reuseSec ?? 20, ttlSec) * 1000;
  const cache = new LRUCache<string, Entry>({ max: options.maxEntries ?? 10_000 });
  const queryHashes = new LRUCache<string, string>({ max: 1000 });
  let signed = 0;

  const sign = async (
    subgraph: string,
    principal: Principal | null,
    scope: string,
    bound: Record<string, string>,
  ) => {
    signed += 1;
    const claims: Record<string, string> = { ...bound };
    if (principal && scope) claims.scope = scope;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(INTERNAL_ISSUER)
      .setAudience(subgraph)
      .setIssuedAt()
      .setExpirationTime(`${ttlSec}s`);
    if (principal) jwt.setSubject(principal.sub);
    return { authorization: `Bearer ${await jwt.sign(key.privateKey)}` };
  };

  // why memoized: a gateway sends a small set of distinct fetch texts (one per plan node).
  const queryHash = (query: string) => {
    let hash = queryHashes.get(query);
    if (hash === undefined) queryHashes.set(query, (hash = sha256(query)));
    return hash;
  };

  return {
    signed: () => signed,
    headers(subgraph, principal, request) {
      const allowed = principal ? options.scopesFor?.(subgraph) : undefined;
      const scopes = principal
        ? [...principal.scopes].filter((s) => !allowed || allowed.has(s)).sort()
        : [];
      const scope = scopes.join(' ');
      const bound: Record<string, string> = {};
      if (request) bound.qh = queryHash(request.query);
      if (request?.mutation) {
        bound.vh = variablesHash(request.variables);
        bound.jti = randomUUID();
        return sign(subgraph, principal, scope, bound);
      }
      const cacheKey = JSON.stringify(
        principal ? [subgraph, bound.qh, principal.sub, scope] : [subgraph, bound.qh],
      );
      const now = Date.now();
      const cached = cache.get(cacheKey);
      if (cached && cached.refreshAt > now) return cached.headers;
      // why cache the promise: concurrent first requests of one caller share a single signature.
      const pending = sign(subgraph, principal, scope, bound);
      const entry: Entry = { headers: pending, refreshAt: now + reuseMs };
      cache.set(cacheKey, entry);
      pending.then(
        (headers) => {
          if (cache.peek(cacheKey) === entry)
            cache.set(cacheKey, { headers, refreshAt: entry.refreshAt });
        },
        () => cache.delete(cacheKey),
      );
      return pending;
    },
  };
}
