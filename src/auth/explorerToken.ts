import type { AuthConfig } from '../config/config.js';
import { signDevToken } from './devToken.js';
import { loadDevKeys } from './keys.js';

/** The development caller the explorer starts as: a seeded user with every read scope. */
const EXPLORER_CALLER = { sub: 'u1', scopes: ['read:email', 'read:payments'] } as const;
const TTL_SEC = 12 * 60 * 60;

/**
 * The explorer's starting headers outside production when the gateway verifies tokens with the
 * development key (no `JWT_*` key configured): `Authorization` with a development token, as
 * `npm run token -- --sub u1 --scopes "read:email read:payments"` prints. Undefined otherwise: a
 * gateway on real keys never mints tokens.
 */
export function explorerDevHeaders(
  auth: AuthConfig,
  production: boolean,
): (() => Promise<Readonly<Record<string, string>>>) | undefined {
  if (production || auth.jwksUrl || auth.jwksPath || auth.publicKey) return undefined;
  let cached: { token: Promise<string>; refreshAt: number } | undefined;
  return async () => {
    const now = Date.now();
    if (!cached || cached.refreshAt <= now) {
      const { client } = loadDevKeys(auth.devKeysDir);
      cached = {
        token: signDevToken(client, { ...EXPLORER_CALLER, ttlSec: TTL_SEC }),
        refreshAt: now + (TTL_SEC / 2) * 1000,
      };
    }
    return { Authorization: `Bearer ${await cached.token}` };
  };
}
