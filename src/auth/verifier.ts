import fs from 'node:fs';
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import type { KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AuthConfig } from '../config/config.js';
import type { Principal } from '../context.js';
import { DEV_AUDIENCE, DEV_ISSUER, publicKeyFromPem, type DevKeys } from './keys.js';

/** The verdict on one request's `Authorization` header. */
export type VerifyOutcome =
  | { readonly ok: true; readonly principal: Principal | null }
  | {
      readonly ok: false;
      /** `oversized`: more scopes than `maxScopes`; `invalid`: anything else wrong with the token. */
      readonly reason: 'invalid' | 'unavailable' | 'oversized';
      readonly detail: string;
    };

/** Verifies client tokens. The only user of `jose` for client tokens. */
export interface TokenVerifier {
  /** Runs once per request, before the operation is parsed. No header = anonymous. */
  verify(authorization: string | undefined): Promise<VerifyOutcome>;
}

export interface VerifierOptions {
  /** Abort a JWKS fetch after this long, in ms. @default 5000 */
  readonly jwksTimeoutMs?: number;
  /** An unknown `kid` refetches the JWKS at most this often, in ms. @default 30000 */
  readonly jwksCooldownMs?: number;
  /** Keys older than this are refetched before use, in ms. @default 600000 */
  readonly jwksCacheMaxAgeMs?: number;
  /** After a failed JWKS fetch, no new fetch for this long, in ms. @default 5000 */
  readonly jwksRetryAfterFailureMs?: number;
  /** Longest accepted token, in bytes; longer ones are refused before any parsing. @default 8192 */
  readonly maxTokenBytes?: number;
  /** Most scopes a token may carry (`JWT_MAX_SCOPES`); more = refused as oversized. @default 256 */
  readonly maxScopes?: number;
  /** Largest JWKS document accepted, in bytes. @default 1 MiB */
  readonly maxJwksBytes?: number;
  /**
   * A verified token is remembered this long (never past its `exp`), so a client's repeated
   * requests skip the signature check; 0 = never. @default 60000
   */
  readonly verifiedCacheMs?: number;
}

/** Thrown by the JWKS fetch when the key source cannot answer: a 503, not a 401. */
class KeySourceUnavailable extends Error {}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt', 'application/jwt', 'application/at+jwt']);

/**
 * Builds the verifier once at start-up from the auth configuration: a remote JWKS (cached,
 * refetched on an unknown `kid` at most once per cooldown), a local JWKS file, a PEM public key, or
 * the development key. `exp` is required; algorithms are pinned (never `none`).
 */
export function createTokenVerifier(
  auth: AuthConfig,
  devKeys: () => DevKeys,
  options: VerifierOptions = {},
): TokenVerifier {
  const development = !auth.jwksUrl && !auth.jwksPath && !auth.publicKey;
  const { key, algorithms } = keySource(
    auth,
    development ? devKeys().client.publicKey : undefined,
    options,
  );
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...algorithms],
    issuer: auth.issuer ?? (development ? DEV_ISSUER : undefined),
    audience: auth.audience ?? (development ? DEV_AUDIENCE : undefined),
    clockTolerance: auth.clockToleranceSec,
    requiredClaims: ['exp'],
  };
  const maxTokenBytes = options.maxTokenBytes ?? 8192;
  const maxScopes = options.maxScopes ?? 256;
  const cacheMs = options.verifiedCacheMs ?? 60_000;
  // why a cache keyed by the whole token: the same string carries the same signature, so it verifies
  // the same way until it expires; only a key removed from the JWKS is noticed up to cacheMs late.
  const verified = new LRUCache<string, { principal: Principal; until: number }>({ max: 10_000 });

  return {
    async verify(authorization) {
      if (authorization === undefined || authorization === '') return { ok: true, principal: null };
      const match = /^Bearer +(\S+) *$/i.exec(authorization);
      if (!match?.[1]) return invalid('not a Bearer token');
      const token = match[1];
      if (token.length > maxTokenBytes) return invalid('token too long');
      if (!COMPACT_JWS.test(token)) return invalid('not a signed JWT');
      const cached = cacheMs > 0 ? verified.get(token) : undefined;
      if (cached && cached.until > Date.now()) return { ok: true, principal: cached.principal };
      try {
        const { payload, protectedHeader } =
          typeof key === 'function'
            ? await jwtVerify(token, key, verifyOptions)
            : await jwtVerify(token, key, verifyOptions);
        const typ = protectedHeader.typ;
        if (typ !== undefined && !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))
          return invalid('not an access token (typ)');
        if (payload.token_use !== undefined && payload.token_use !== 'access')
          return invalid('not an access token (token_use)');
        if (typeof payload.sub !== 'string' || payload.sub === '') return invalid('no sub');
        const principal = principalOf(payload, payload.sub);
        if (principal.scopes.size > maxScopes)
          return { ok: false, reason: 'oversized', detail: `more than ${maxScopes} scopes` };
        if (cacheMs > 0) {
          const expiresAt = (payload.exp! + auth.clockToleranceSec) * 1000;
          verified.set(token, { principal, until: Math.min(Date.now() + cacheMs, expiresAt) });
        }
        return { ok: true, principal };
      } catch (error) {
        if (error instanceof KeySourceUnavailable || error instanceof errors.JWKSTimeout)
          return { ok: false, reason: 'unavailable', detail: error.message };
        // why: everything else (bad signature, alg, claims, key type mismatch) is the token's fault;
        // failing closed with 401 is right even for errors we did not foresee.
        return invalid(error instanceof Error ? `${error.name}: ${error.message}` : 'rejected');
      }
    },
  };
}

function invalid(detail: string): VerifyOutcome {
  return { ok: false, reason: 'invalid', detail };
}

/** One scope token (RFC 6749 section 3.3): printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The caller, with its scopes normalised once, so the gateway's checks and the internal tokens
 * see the same list: a string claim is split on whitespace (RFC 6749 section 3.3, RFC 8693
 * section 4.2); an array's entries are taken as given, and an entry that is not one scope token
 * (whitespace inside, quotes, control characters, not a string) is dropped, never split: it would
 * be one scope here and several wherever the list is joined with spaces.
 */
function principalOf(payload: JWTPayload, sub: string): Principal {
  const scopes = new Set<string>();
  for (const claim of ['scope', 'scp', 'scopes']) {
    const value = payload[claim];
    const list = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value : [];
    for (const scope of list)
      if (typeof scope === 'string' && SCOPE_TOKEN.test(scope)) scopes.add(scope);
  }
  return {
    sub,
    issuer: typeof payload.iss === 'string' ? payload.iss : undefined,
    scopes,
    claims: payload,
  };
}

function keySource(
  auth: AuthConfig,
  devKey: KeyObject | undefined,
  options: VerifierOptions,
): { key: KeyObject | JWTVerifyGetKey; algorithms: readonly string[] } {
  if (devKey) return { key: devKey, algorithms: ['RS256'] };
  if (auth.publicKey) return { key: publicKey(auth.publicKey), algorithms: auth.algorithms };
  if (auth.jwksPath) {
    try {
      const document = JSON.parse(fs.readFileSync(auth.jwksPath, 'utf8')) as JSONWebKeySet;
      return { key: createLocalJWKSet(document), algorithms: auth.algorithms };
    } catch (error) {
      throw new Error(
        `JWT_JWKS_PATH: cannot read a JSON Web Key Set from ${auth.jwksPath}: ${String(error)}`,
      );
    }
  }
  return { key: remoteKeySet(new URL(auth.jwksUrl!), options), algorithms: auth.algorithms };
}

/** why a KeyObject: one key serves every allowed algorithm of its type (RS256, PS256…). */
function publicKey(pem: string): KeyObject {
  try {
    return publicKeyFromPem(pem).key;
  } catch (error) {
    throw new Error(`JWT_PUBLIC_KEY is not a usable PEM public key: ${String(error)}`);
  }
}

/**
 * A remote JWKS through jose's cache, with a cockatiel circuit breaker: after a failed fetch, no fetch for
 * `jwksRetryAfterFailureMs` (jose has no negative cache, so an outage would otherwise cost one
 * fetch per request once the keys are stale). A document that is not a key set counts as a failure.
 */
function remoteKeySet(url: URL, options: VerifierOptions): JWTVerifyGetKey {
  const retryAfterMs = options.jwksRetryAfterFailureMs ?? 5000;
  const maxBytes = options.maxJwksBytes ?? 1024 * 1024;
  // why one failure opens it: each fetch is already one try of jose's; the next after the pause
  // is the half-open probe (jose shares one fetch among concurrent callers).
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: retryAfterMs,
    breaker: new ConsecutiveBreaker(1),
  });
  const fetchKeys = async (input: string, init: RequestInit): Promise<Response> => {
    try {
      return await breaker.execute(async () => {
        const response = await fetch(input, init);
        const text = await response.text();
        if (response.status !== 200) throw new Error(`JWKS answered HTTP ${response.status}`);
        if (text.length > maxBytes) throw new Error('JWKS document too large');
        const parsed = JSON.parse(text) as { keys?: unknown };
        if (!Array.isArray(parsed.keys)) throw new Error('JWKS document has no keys array');
        return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError)
        throw new KeySourceUnavailable('JWKS fetch skipped after a recent failure');
      throw new KeySourceUnavailable(`JWKS unavailable: ${String(error)}`);
    }
  };
  return createRemoteJWKSet(url, {
    timeoutDuration: options.jwksTimeoutMs ?? 5000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
    [customFetch]: fetchKeys,
  });
}
