import { SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../context.js';
import { INTERNAL_ISSUER, type SigningKeyPair } from './keys.js';

/** Signs the short-lived tokens the gateway sends each subgraph instead of the client's token. */
export interface InternalTokenSigner {
  /**
   * Runs before every subgraph request: the `Authorization` header for `subgraph` on behalf of
   * `principal` (null = anonymous caller: a token without `sub`). Cached, so signing is rare.
   */
  headers(
    subgraph: string,
    principal: Principal | null,
  ): Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
}

export interface InternalTokenOptions {
  /** Lifetime of a token, in seconds. @default 120 */
  readonly ttlSec?: number;
  /** A cached token is reused until it is this old, in seconds. @default 90 */
  readonly reuseSec?: number;
  /** Cached tokens (one per subgraph × caller × scopes). @default 10000 */
  readonly maxEntries?: number;
}

interface Entry {
  readonly headers: Promise<Readonly<Record<string, string>>> | Readonly<Record<string, string>>;
  readonly refreshAt: number;
}

/**
 * Builds the signer once at start-up. The token carries `iss` = the gateway, `aud` = the subgraph
 * name, the caller's `sub` and `scope`, `iat` and `exp`; a subgraph accepts nothing else.
 */
export function createInternalTokenSigner(
  key: SigningKeyPair,
  options: InternalTokenOptions = {},
): InternalTokenSigner {
  const ttlSec = options.ttlSec ?? 120;
  const reuseMs = (options.reuseSec ?? 90) * 1000;
  const cache = new LRUCache<string, Entry>({ max: options.maxEntries ?? 10_000 });

  const sign = async (subgraph: string, principal: Principal | null, scope: string) => {
    const claims: Record<string, string> = {};
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

  return {
    headers(subgraph, principal) {
      const scope = principal ? [...principal.scopes].sort().join(' ') : '';
      const cacheKey = JSON.stringify(principal ? [subgraph, principal.sub, scope] : [subgraph]);
      const now = Date.now();
      const cached = cache.get(cacheKey);
      if (cached && cached.refreshAt > now) return cached.headers;
      // why cache the promise: concurrent first requests of one caller share a single signature.
      const pending = sign(subgraph, principal, scope);
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
