import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, type SigningKeyPair } from './keys.js';

export interface DevTokenOptions {
  readonly sub: string;
  readonly scopes: readonly string[];
  /** Lifetime in seconds; negative = already expired that long ago. */
  readonly ttlSec: number;
  /** @default the development issuer */
  readonly issuer?: string;
  /** @default the development audience */
  readonly audience?: string;
}

/**
 * A client JWT signed with the development key: what `npm run token` prints and what the explorer
 * offers outside production. Never used with `NODE_ENV=production`.
 */
export async function signDevToken(key: SigningKeyPair, options: DevTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { ttlSec } = options;
  return new SignJWT(options.scopes.length ? { scope: options.scopes.join(' ') } : {})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? DEV_ISSUER)
    .setAudience(options.audience ?? DEV_AUDIENCE)
    .setSubject(options.sub)
    .setIssuedAt(ttlSec < 0 ? now + ttlSec - 60 : now)
    .setExpirationTime(now + ttlSec)
    .sign(key.privateKey);
}
