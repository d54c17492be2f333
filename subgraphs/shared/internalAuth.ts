import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import {
  INTERNAL_ISSUER,
  algorithmFor,
  loadDevKeys,
  publicKeyFromPem,
} from '../../src/auth/keys.js';
import { sha256, variablesHash, type BoundRequest } from '../../src/auth/requestBinding.js';
import { unauthenticatedRequest } from './errors.js';
import type { Authenticate } from './handler.js';
import type { Caller } from './types.js';

/**
 * Oldest internal token accepted, whatever its `exp` says: the gateway reuses one for at most 20 s
 * of its lifetime (30 s by default).
 */
const MAX_TOKEN_AGE_SEC = 60;
const CLOCK_TOLERANCE_SEC = 5;
const PEM_BLOCK = /-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g;

/** A key that verifies the gateway's internal tokens, and its algorithm. */
export interface InternalPublicKey {
  readonly key: KeyObject;
  readonly alg: string;
}

/**
 * The internal public keys from the environment, read once at start-up:
 * `INTERNAL_JWT_PUBLIC_KEY`, one PEM or several one after the other (old and new during a key
 * rotation); without it, the development key from `DEV_KEYS_DIR` (default `.dev-keys`), except
 * with `NODE_ENV=production`, where it throws a sentence saying what to set.
 */
export function internalPublicKeysFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): InternalPublicKey[] {
  if (env.INTERNAL_JWT_PUBLIC_KEY) {
    const blocks = env.INTERNAL_JWT_PUBLIC_KEY.replace(/\\n/g, '\n').match(PEM_BLOCK) ?? [];
    if (!blocks.length) throw new Error('INTERNAL_JWT_PUBLIC_KEY must hold PEM public keys');
    try {
      return blocks.map((pem) => publicKeyFromPem(pem));
    } catch (error) {
      throw new Error(`INTERNAL_JWT_PUBLIC_KEY is not a usable public key: ${String(error)}`);
    }
  }
  if (env.NODE_ENV === 'production')
    throw new Error('INTERNAL_JWT_PUBLIC_KEY must be set when NODE_ENV=production');
  const internal = loadDevKeys(path.resolve(env.DEV_KEYS_DIR || '.dev-keys')).internal;
  return [{ key: internal.publicKey, alg: algorithmFor(internal.publicKey) }];
}

/** What a verified token allows: its caller, and the request it is bound to. */
interface Verified {
  readonly caller: Caller | null;
  readonly queryHash: unknown;
  readonly variablesHash: unknown;
  readonly jti: unknown;
  readonly expiresAt: number;
}

/**
 * The subgraphs' `authenticate`: accepts only a gateway-signed internal token for this subgraph
 * (`iss` = the gateway, `aud` = `subgraph`, recent `iat`, unexpired `exp`), verified with any of
 * `keys`, bound to this very request (docs/security.md case 77: `qh` = SHA-256 of the query text
 * received; for a mutation also `vh` = SHA-256 of its variables, and a `jti` accepted once), and
 * answers 401 to anything else, a client's own token included, before any GraphQL runs. The
 * caller comes from the token only. Verified tokens are remembered until they expire: the gateway
 * reuses each one for the same query. `request` is the body's query and variables; the HTTP
 * handler always passes it (without it, only the signature and claims are checked).
 */
export function internalAuthenticate(
  subgraph: string,
  keys: readonly InternalPublicKey[],
): Authenticate {
  const verified = new LRUCache<string, Verified>({ max: 10_000 });
  // A mutation token's `jti`, kept until the token expires: each runs once.
  const used = new LRUCache<string, true>({ max: 100_000, ttlAutopurge: false });
  const queryHashes = new LRUCache<string, string>({ max: 1000 });
  const queryHash = (query: string) => {
    let hash = queryHashes.get(query);
    if (hash === undefined) queryHashes.set(query, (hash = sha256(query)));
    return hash;
  };
  const refuse = () => unauthenticatedRequest('This subgraph only answers the gateway.');
  const checkBinding = (entry: Verified, request: BoundRequest | undefined): void => {
    if (!request) return;
    if (entry.queryHash !== queryHash(request.query)) throw refuse();
    if (
      entry.variablesHash !== undefined &&
      entry.variablesHash !== variablesHash(request.variables)
    )
      throw refuse();
    if (typeof entry.jti === 'string') {
      if (used.has(entry.jti)) throw refuse();
      used.set(entry.jti, true, { ttl: Math.max(1, entry.expiresAt - Date.now()) });
    }
  };
  const verify = async (token: string): Promise<JWTPayload | undefined> => {
    for (const { key, alg } of keys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [alg],
          issuer: INTERNAL_ISSUER,
          audience: subgraph,
          requiredClaims: ['exp', 'iat'],
          maxTokenAge: MAX_TOKEN_AGE_SEC,
          clockTolerance: CLOCK_TOLERANCE_SEC,
        });
        return payload;
      } catch {
        // why go on: during a rotation the token may be signed with the other key.
      }
    }
    return undefined;
  };
  return async (headers, request) => {
    const match = /^Bearer +(\S+)$/i.exec(headers.authorization ?? '');
    const token = match?.[1];
    if (!token || token.length > 4096)
      throw unauthenticatedRequest('This subgraph only answers the gateway.');
    const cached = verified.get(token);
    if (cached && cached.expiresAt > Date.now()) {
      checkBinding(cached, request);
      return cached.caller;
    }
    const payload = await verify(token);
    if (!payload) throw refuse();
    const caller: Caller | null =
      typeof payload.sub === 'string' && payload.sub !== ''
        ? {
            sub: payload.sub,
            scopes:
              typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
          }
        : null;
    const expiresAt = Math.min(payload.exp!, payload.iat! + MAX_TOKEN_AGE_SEC) * 1000;
    const entry: Verified = {
      caller,
      queryHash: payload.qh,
      variablesHash: payload.vh,
      jti: payload.jti,
      expiresAt,
    };
    verified.set(token, entry);
    checkBinding(entry, request);
    return caller;
  };
}
