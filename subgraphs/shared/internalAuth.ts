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
import { unauthenticatedRequest } from './errors.js';
import type { Authenticate } from './handler.js';
import type { Caller } from './types.js';

/** Oldest internal token accepted (the gateway reuses one for at most 90 s of its 120 s). */
const MAX_TOKEN_AGE_SEC = 180;
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

/**
 * The subgraphs' `authenticate`: accepts only a gateway-signed internal token for this subgraph
 * (`iss` = the gateway, `aud` = `subgraph`, recent `iat`, unexpired `exp`), verified with any of
 * `keys`, and answers 401 to anything else, a client's own token included, before any GraphQL
 * runs. The caller comes from the token only. Verified tokens are remembered until they expire:
 * the gateway reuses each one.
 */
export function internalAuthenticate(
  subgraph: string,
  keys: readonly InternalPublicKey[],
): Authenticate {
  const verified = new LRUCache<string, { caller: Caller | null; expiresAt: number }>({
    max: 10_000,
  });
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
  return async (headers) => {
    const match = /^Bearer +(\S+)$/i.exec(headers.authorization ?? '');
    const token = match?.[1];
    if (!token || token.length > 4096)
      throw unauthenticatedRequest('This subgraph only answers the gateway.');
    const cached = verified.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.caller;
    const payload = await verify(token);
    if (!payload) throw unauthenticatedRequest('This subgraph only answers the gateway.');
    const caller: Caller | null =
      typeof payload.sub === 'string' && payload.sub !== ''
        ? {
            sub: payload.sub,
            scopes:
              typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
          }
        : null;
    const expiresAt = Math.min(payload.exp!, payload.iat! + MAX_TOKEN_AGE_SEC) * 1000;
    verified.set(token, { caller, expiresAt });
    return caller;
  };
}
