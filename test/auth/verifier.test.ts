import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompactSign, SignJWT, decodeJwt, generateKeyPair, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { loadDevKeys } from '../../src/auth/keys.js';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/verifier.js';
import { createTestIssuer, forgedToken, type TestIssuer } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';
import { startKeyServer, type KeyServer } from './keyServer.js';

/** Group J of docs/security.md: every bad token kind, against the real verifier and real keys. */
let idp: TestIssuer;
let attacker: TestIssuer;
let attackerHost: KeyServer;
let pemVerifier: TokenVerifier;
let jwksFileVerifier: TokenVerifier;
let dir: string;
const T = 30; // JWT_CLOCK_TOLERANCE_SECONDS default
const now = () => Math.floor(Date.now() / 1000);
const noDevKeys = () => {
  throw new Error('development keys must not be used when a key is configured');
};

beforeAll(async () => {
  idp = await createTestIssuer({ kid: 'k1' });
  attacker = await createTestIssuer({ kid: 'k1', issuer: idp.issuer, audience: idp.audience });
  attackerHost = await startKeyServer({ keys: [attacker.publicJwk] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verifier-'));
  const env = { NODE_ENV: 'test', JWT_ISSUER: idp.issuer, JWT_AUDIENCE: idp.audience };
  pemVerifier = createTokenVerifier(
    loadConfig({ ...env, JWT_PUBLIC_KEY: idp.publicKeyPem }).auth,
    noDevKeys,
  );
  const jwksPath = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksPath, JSON.stringify({ keys: [idp.publicJwk] }));
  jwksFileVerifier = createTokenVerifier(
    loadConfig({ ...env, JWT_JWKS_PATH: jwksPath }).auth,
    noDevKeys,
  );
});
afterAll(async () => {
  await attackerHost?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => `Bearer ${token}`;
const verdict = async (verifier: TokenVerifier, authorization: string | undefined) => {
  const outcome = await verifier.verify(authorization);
  return outcome.ok ? (outcome.principal ? 'ok' : 'anonymous') : outcome.reason;
};

describe('client tokens (PEM key)', () => {
  it('a validly signed token above the size cap is refused by the cap, before any signature check', async () => {
    const token = await idp.mint({
      sub: 'u1',
      aud: [idp.audience, ...Array.from({ length: 1000 }, (_, i) => `aud-${i}`)],
    });
    expect(token.length).toBeGreaterThan(12_000);
    const outcome = await pemVerifier.verify(bearer(token));
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid', detail: 'token too long' });
  });

  const hs256WithPublicKey = async () =>
    new SignJWT({ sub: 'u1', iss: idp.issuer, aud: idp.audience })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(idp.publicKeyPem));
  const tampered = async () => {
    const [header, , signature] = (await idp.mint({ sub: 'u1' })).split('.');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'admin', iss: idp.issuer, aud: idp.audience, exp: now() + 300 }),
    ).toString('base64url');
    return `${header}.${payload}.${signature}`;
  };
  const raw = (header: Record<string, unknown>) =>
    idp.signRaw(header, { sub: 'u1', iss: idp.issuer, aud: idp.audience, exp: now() + 300 });
  const rawPayload = async (payload: string) => {
    const { privateKey } = await generateKeyPair('RS256');
    return new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey);
  };

  it.each<[string, () => Promise<string | undefined> | string | undefined, string]>([
    ['no header: anonymous', () => undefined, 'anonymous'],
    ['valid', () => idp.mint().then(bearer), 'ok'],
    ['lower-case scheme', () => idp.mint().then((t) => `bearer ${t}`), 'ok'],
    ['garbage', () => 'Bearer garbage', 'invalid'],
    ['Bearer without a token', () => 'Bearer', 'invalid'],
    ['Basic scheme', () => 'Basic dXNlcjpwYXNz', 'invalid'],
    [
      'alg none',
      () => bearer(forgedToken({ alg: 'none' }, { sub: 'u1', exp: now() + 60 })),
      'invalid',
    ],
    [
      'alg None with a signature',
      () => bearer(forgedToken({ alg: 'None' }, { sub: 'u1' }, 'AAAA')),
      'invalid',
    ],
    [
      'alg NONE with a signature',
      () => bearer(forgedToken({ alg: 'NONE' }, { sub: 'u1' }, 'AAAA')),
      'invalid',
    ],
    [
      'HS256 keyed with our public key (confusion)',
      () => hs256WithPublicKey().then(bearer),
      'invalid',
    ],
    ['signed by another key', () => attacker.mint().then(bearer), 'invalid'],
    ['tampered payload', () => tampered().then(bearer), 'invalid'],
    ['missing exp', () => idp.mint({}, { noExp: true }).then(bearer), 'invalid'],
    ['expired within the tolerance', () => idp.mint({}, { ttlSec: -(T - 5) }).then(bearer), 'ok'],
    [
      'expired beyond the tolerance',
      () => idp.mint({}, { ttlSec: -(T + 5) }).then(bearer),
      'invalid',
    ],
    ['nbf beyond the tolerance', () => idp.mint({ nbf: now() + T + 5 }).then(bearer), 'invalid'],
    ['wrong iss', () => idp.mint({ iss: 'https://evil.test' }).then(bearer), 'invalid'],
    ['iss as an array', () => idp.mint({ iss: [idp.issuer] } as never).then(bearer), 'invalid'],
    ['missing iss', () => idp.mint({ iss: undefined }).then(bearer), 'invalid'],
    [
      'aud array containing ours',
      () => idp.mint({ aud: ['other', idp.audience] }).then(bearer),
      'ok',
    ],
    ['empty aud', () => idp.mint({ aud: '' }).then(bearer), 'invalid'],
    ['missing aud', () => idp.mint({ aud: undefined }).then(bearer), 'invalid'],
    ['no sub', () => idp.mint({ sub: undefined }).then(bearer), 'invalid'],
    [
      'refresh token (typ)',
      () => idp.mint({}, { header: { typ: 'refresh+jwt' } }).then(bearer),
      'invalid',
    ],
    [
      'access token typ at+jwt',
      () => idp.mint({}, { header: { typ: 'at+jwt' } }).then(bearer),
      'ok',
    ],
    ['ID token (token_use)', () => idp.mint({ token_use: 'id' }).then(bearer), 'invalid'],
    [
      'unknown crit header',
      () => raw({ alg: 'RS256', crit: ['x-unknown'], 'x-unknown': 1 }).then(bearer),
      'invalid',
    ],
    ['b64:false', () => raw({ alg: 'RS256', b64: false, crit: ['b64'] }).then(bearer), 'invalid'],
    ['two parts', () => 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9', 'invalid'],
    ['five parts (JWE)', () => 'Bearer a.b.c.d.e', 'invalid'],
    ['payload not a JSON object', () => rawPayload('[1,2,3]').then(bearer), 'invalid'],
    [
      'oversized (12 KB of aud)',
      () =>
        idp
          .mint({ aud: [idp.audience, ...Array.from({ length: 1500 }, (_, i) => `a${i}`)] })
          .then(bearer),
      'invalid',
    ],
  ])('%s', async (_case, authorization, expected) => {
    expect(await verdict(pemVerifier, await authorization())).toBe(expected);
  });

  it('reads scopes from scope (string), scp and scopes (arrays)', async () => {
    const token = await idp.mint({ scope: 'a b', scp: ['c'], scopes: ['d', 7] });
    const outcome = await pemVerifier.verify(bearer(token));
    expect(outcome.ok && [...outcome.principal!.scopes].sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('verified-token cache', () => {
  it('remembers a verified token, but never past its exp', async () => {
    const strict = createTokenVerifier(
      loadConfig({
        NODE_ENV: 'test',
        JWT_PUBLIC_KEY: idp.publicKeyPem,
        JWT_ISSUER: idp.issuer,
        JWT_AUDIENCE: idp.audience,
        JWT_CLOCK_TOLERANCE_SECONDS: '0',
      }).auth,
      noDevKeys,
    );
    const token = bearer(await idp.mint({}, { ttlSec: 2 }));
    expect(await verdict(strict, token)).toBe('ok');
    expect(await verdict(strict, token)).toBe('ok');
    const { exp } = decodeJwt(token.replace(/^Bearer /, ''));
    await waitFor('the expired token refused', async () =>
      (await verdict(strict, token)) === 'invalid' ? true : undefined,
    );
    // Refused because it expired, not earlier: with no clock tolerance, at exp at the soonest.
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(exp!);
  });
});

describe('kid and key headers (JWKS file)', () => {
  const withHeader = (header: Record<string, unknown>) =>
    idp.mint({}, { header: header }).then(bearer);

  it.each<[string, Record<string, unknown>, string]>([
    ['known kid', { kid: 'k1' }, 'ok'],
    ['path traversal kid', { kid: '../../../../dev/null' }, 'invalid'],
    ['SQL kid', { kid: "' OR 1=1 --" }, 'invalid'],
    ['numeric kid', { kid: 1 }, 'invalid'],
    ['object kid', { kid: { a: 1 } }, 'invalid'],
    ['array kid', { kid: ['k1'] }, 'invalid'],
    ['huge kid', { kid: 'k'.repeat(10_000) }, 'invalid'],
  ])('%s', async (_case, header, expected) => {
    expect(await verdict(jwksFileVerifier, await withHeader(header))).toBe(expected);
  });

  it('ignores keys named in the token (jwk, jku, x5u): 401, no request to the attacker', async () => {
    const url = `${attackerHost.url}/jwks.json`;
    const embedded = await attacker.mint({}, { header: { jwk: attacker.publicJwk } });
    const jku = await attacker.mint({}, { header: { jku: url } });
    const x5u = await attacker.mint({}, { header: { x5u: url } });
    for (const token of [embedded, jku, x5u]) {
      expect(await verdict(jwksFileVerifier, bearer(token))).toBe('invalid');
      expect(await verdict(pemVerifier, bearer(token))).toBe('invalid');
    }
    expect(attackerHost.fetches).toBe(0);
  });
});

describe('development key', () => {
  it('accepts tokens signed with the dev key, with the dev issuer and audience only', async () => {
    const devDir = path.join(dir, 'dev');
    const verifier = createTokenVerifier(
      loadConfig({ NODE_ENV: 'test', DEV_KEYS_DIR: devDir }).auth,
      () => loadDevKeys(devDir),
    );
    const { client } = loadDevKeys(devDir);
    const mint = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: client.kid })
        .setExpirationTime('5m')
        .sign(client.privateKey);
    const good = { sub: 'u1', iss: 'federation-gateway-dev', aud: 'federation-gateway' };
    expect(await verdict(verifier, bearer(await mint(good)))).toBe('ok');
    expect(await verdict(verifier, bearer(await mint({ ...good, iss: 'x' })))).toBe('invalid');
    expect(await verdict(verifier, bearer(await idp.mint()))).toBe('invalid');
    expect(await exportJWK(client.publicKey)).toMatchObject({ kty: 'RSA' });
  });
});
