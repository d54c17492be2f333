import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createTokenVerifier, type VerifierOptions } from '../../src/auth/verifier.js';
import { waitFor } from '../helpers/waitFor.js';
import { jwksVerifier, type KeyServer } from './keyServer.js';

/**
 * Group K of docs/security.md: a remote JWKS served by a real HTTP server. Durations are shortened
 * through the verifier's options (the defaults are jose's: 30 s cooldown, 10 min max age).
 */
const servers: KeyServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(options: VerifierOptions = {}) {
  return jwksVerifier(servers, options);
}

describe('remote JWKS', () => {
  it('picks up a new kid without restart: one refetch, after the cooldown', async () => {
    const { k1, k2, server, verdict } = await setup({ jwksCooldownMs: 1000 });
    expect(await verdict(k1)).toBe('ok');
    expect(server.fetches).toBe(1);
    server.keys = [k1.publicJwk, k2.publicJwk];
    // Inside the cooldown the new kid is unknown (documented window): 401, no refetch.
    expect(await verdict(k2)).toBe('invalid');
    expect(server.fetches).toBe(1);
    // Polled: an unknown kid inside the cooldown never refetches, so the poll adds no fetch.
    await waitFor('the new kid accepted after the cooldown', async () =>
      (await verdict(k2)) === 'ok' ? true : undefined,
    );
    expect(server.fetches).toBe(2);
    expect(await verdict(k1)).toBe('ok');
    expect(server.fetches).toBe(2);
  });

  it('drops a removed key once the cached set is older than its max age', async () => {
    // (A token verified before stays accepted up to verifiedCacheMs longer; off here.)
    const { k1, k2, server, verdict } = await setup({
      jwksCacheMaxAgeMs: 300,
      jwksCooldownMs: 0,
      verifiedCacheMs: 0,
    });
    server.keys = [k1.publicJwk, k2.publicJwk];
    expect(await verdict(k1)).toBe('ok');
    server.keys = [k2.publicJwk];
    // Polled: inside the max age the cached set still holds k1; the first refetch after it drops it.
    await waitFor('the removed key refused after the max age', async () =>
      (await verdict(k1)) === 'invalid' ? true : undefined,
    );
    expect(await verdict(k2)).toBe('ok');
  });

  it('answers a flood of unknown kids with 401 and at most one refetch per cooldown', async () => {
    const { k1, server, verdict } = await setup({ jwksCooldownMs: 60_000 });
    expect(await verdict(k1)).toBe('ok');
    const verdicts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => verdict(k1, { kid: `random-${i}` })),
    );
    expect(new Set(verdicts)).toEqual(new Set(['invalid']));
    expect(server.fetches).toBe(1);
  });

  it.each(['error', 'garbage', 'hang'] as const)(
    'JWKS %s with no cached key: 503-class, and no fetch per request after a failure',
    async (mode) => {
      const { k1, server, verdict } = await setup({
        jwksTimeoutMs: 300,
        jwksRetryAfterFailureMs: 60_000,
      });
      server.mode = mode;
      expect(await verdict(k1)).toBe('unavailable');
      const fetches = server.fetches;
      for (let i = 0; i < 20; i++) expect(await verdict(k1)).toBe('unavailable');
      expect(server.fetches).toBe(fetches);
    },
  );

  it('keeps verifying with a fresh cache while the JWKS is down, and recovers after it', async () => {
    const { k1, server, verdict } = await setup({
      jwksRetryAfterFailureMs: 200,
      jwksCooldownMs: 0,
    });
    expect(await verdict(k1)).toBe('ok');
    server.mode = 'error';
    expect(await verdict(k1)).toBe('ok');
    server.mode = 'ok';
    await sleep(250);
    expect(await verdict(k1)).toBe('ok');
  });

  it('refuses an oversized JWKS document (poisoning): 503-class, not accepted', async () => {
    const { k1, server, verdict } = await setup();
    server.keys = [
      k1.publicJwk,
      ...Array.from({ length: 3000 }, (_, i) => ({ ...k1.publicJwk, kid: `pad-${i}` })),
    ];
    expect(await verdict(k1)).toBe('unavailable');
  });

  it('ignores symmetric keys served in the JWKS (poisoning)', async () => {
    const { k1, server } = await setup();
    const secret = new TextEncoder().encode('x'.repeat(32));
    server.keys = [
      k1.publicJwk,
      { kty: 'oct', kid: 'hs', alg: 'HS256', k: Buffer.from(secret).toString('base64url') },
    ];
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ sub: 'u1', iss: k1.issuer, aud: k1.audience })
      .setProtectedHeader({ alg: 'HS256', kid: 'hs' })
      .setExpirationTime('5m')
      .sign(secret);
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_JWKS_URL: `${server.url}/jwks.json`,
      JWT_ALGORITHMS: 'RS256,HS256',
    });
    const verifier = createTokenVerifier(config.auth, () => {
      throw new Error('no dev keys here');
    });
    const outcome = await verifier.verify(`Bearer ${token}`);
    expect(outcome.ok).toBe(false);
  });
});
