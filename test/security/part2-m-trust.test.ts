/**
 * docs/security.md Part 2, group M (cases 75–78): gateway→subgraph trust. The per-subgraph
 * credential is a short-lived internal JWT the gateway signs (iss = gateway, aud = subgraph, the
 * caller's sub and scope, iat, exp); subgraphs answer nothing else (subgraphs/shared/internalAuth.ts).
 * Case 74 (network isolation) is in NOT-APPLICABLE.md.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalTokenSigner } from '../../src/auth/internalToken.js';
import { loadDevKeys } from '../../src/auth/keys.js';
import { sha256 } from '../../src/auth/requestBinding.js';
import {
  internalAuthenticate,
  internalPublicKeysFromEnv,
} from '../../subgraphs/shared/internalAuth.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { DEV_KEYS_DIR, devToken } from '../helpers/tokens.js';
import { expectNoLeaks } from './helpers.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const ENTITIES = {
  query:
    '{ _entities(representations: [{__typename: "User", id: "u1"}]) { ... on User { email } } }',
};
const SERVICE = { query: '{ _service { sdl } }' };
const internal = loadDevKeys(DEV_KEYS_DIR).internal;
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => `Bearer ${token}`;

/** An internal-token-shaped JWT with any claims, signed with the gateway's internal key. */
const internalToken = (claims: Record<string, unknown>) =>
  new SignJWT({ iss: 'federation-gateway', aud: 'user', iat: now(), exp: now() + 60, ...claims })
    .setProtectedHeader({ alg: internal.alg, kid: internal.kid })
    .sign(internal.privateKey);

interface DirectBody {
  readonly data?: { _service?: { sdl: string }; me?: unknown } | null;
  readonly errors?: { extensions?: { code?: string } }[];
}

async function direct(body: unknown, authorization?: string) {
  const response = await fetch(stack.subgraphs.user.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as DirectBody };
}

/** Expects 401 UNAUTHENTICATED for both bodies, with no data and no data-layer call. */
async function expectRefusedDirect(authorization: string | undefined) {
  stack.resetStats();
  for (const body of [ENTITIES, SERVICE]) {
    const answer = await direct(body, authorization);
    expect(answer.status, answer.text).toBe(401);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.body.data).toBeUndefined();
    expect(answer.text).not.toContain('sdl');
    expect(answer.text).not.toContain('@');
  }
  expect(stack.subgraphs.user.stats.dataCalls).toBe(0);
}

describe('group M: gateway→subgraph trust', () => {
  it('case 75: direct _entities / _service without, or with a wrong, credential: 401 before GraphQL runs', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const otherKey = await new SignJWT({ iss: 'federation-gateway', aud: 'user', sub: 'u1' })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(privateKey);
    const valid = await internalToken({ sub: 'u1' });
    const flipped = `${valid.slice(0, -2)}${valid.endsWith('AA') ? 'BB' : 'AA'}`;
    const product = (await createInternalTokenSigner(internal).headers('product', null))
      .authorization!;
    for (const authorization of [
      undefined,
      '',
      'Bearer',
      'Bearer gateway-secret',
      bearer(otherKey),
      bearer(flipped),
      product,
      bearer(await devToken('u1', 'read:email')),
      `Basic ${Buffer.from('gateway:secret').toString('base64')}`,
    ])
      await expectRefusedDirect(authorization);
    // The comparison is a signature check (jose, constant time in node:crypto), never a string ==.
    const ok = await direct(
      SERVICE,
      bearer(await internalToken({ sub: 'u1', qh: sha256(SERVICE.query) })),
    );
    expect(ok.status).toBe(200);
    expect(ok.body.data?._service?.sdl).toContain('type User');
  });

  it('case 76: identity headers and extensions.jwt from the client are never trusted or forwarded', async () => {
    const token = await devToken('u42', 'read:self read:email');
    stack.resetStats();
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: bearer(token),
        'x-gateway-secret': 'guess',
        'x-user-id': 'admin',
        'x-forwarded-user': 'admin',
        'x-internal-token': 'guess',
      },
      body: JSON.stringify({
        query: '{ me { id } }',
        extensions: { jwt: { sub: 'admin', scope: 'read:email admin:products' } },
      }),
    });
    const body = (await response.json()) as { data: unknown };
    expect(response.status).toBe(200);
    expect(body.data).toEqual({ me: { id: 'u42' } });
    expectNoLeaks(stack, body);
    const received = stack.subgraphs.user.stats.received;
    expect(received.length).toBeGreaterThan(0);
    for (const r of received) {
      for (const header of [
        'x-gateway-secret',
        'x-user-id',
        'x-forwarded-user',
        'x-internal-token',
      ])
        expect(r.headers[header]).toBeUndefined();
      const forwarded = r.headers.authorization!.replace(/^Bearer /, '');
      expect(forwarded).not.toBe(token);
      // Only the scopes the user subgraph uses (read:email); read:self is no business of its.
      expect(decodeJwt(forwarded)).toMatchObject({ sub: 'u42', scope: 'read:email', aud: 'user' });
      expect(JSON.stringify(r)).not.toContain('admin');
    }
    // Anonymous with spoofed headers: still anonymous.
    const anonymous = await stack.query('{ me { id } }', {
      headers: { 'x-user-id': 'u1', 'x-forwarded-user': 'u1' },
    });
    expect(anonymous.body.data).toEqual({ me: null });
  });

  it('case 77: the signature covers identity and time: changed claims or a replay past the window get 401', async () => {
    const qh = sha256('{ me { id } }');
    const valid = await internalToken({ sub: 'u42', scope: 'read:self', qh });
    const [header, , signature] = valid.split('.');
    const escalated = Buffer.from(
      JSON.stringify({
        ...decodeJwt(valid),
        sub: 'u1',
        scope: 'read:email read:payments',
      }),
    ).toString('base64url');
    await expectRefusedDirect(`Bearer ${header}.${escalated}.${signature}`);
    expect(decodeProtectedHeader(valid).alg).toBe(internal.alg);
    // Replay: a token issued 66 s ago (window 60 s + 5 s clock tolerance), even with a far exp.
    await expectRefusedDirect(
      bearer(await internalToken({ sub: 'u42', qh, iat: now() - 66, exp: now() + 3600 })),
    );
    // No iat, or an expired token: refused.
    await expectRefusedDirect(bearer(await internalToken({ sub: 'u42', iat: undefined })));
    await expectRefusedDirect(bearer(await internalToken({ sub: 'u42', exp: now() - 10 })));
    // Inside the window: accepted.
    const fresh = await direct({ query: '{ me { id } }' }, bearer(valid));
    expect(fresh.body.data).toEqual({ me: { id: 'u42' } });
  });

  it('case 78: secret rotation: old and new keys both accepted in the overlap, only the new one after', async () => {
    const next = generateKeyPairSync('ed25519');
    const pem = (key: typeof next.publicKey) =>
      key.export({ type: 'spki', format: 'pem' }).toString();
    const both = internalPublicKeysFromEnv({
      INTERNAL_JWT_PUBLIC_KEY: `${pem(internal.publicKey)}${pem(next.publicKey)}`,
    });
    const onlyNew = internalPublicKeysFromEnv({ INTERNAL_JWT_PUBLIC_KEY: pem(next.publicKey) });
    const oldSigner = createInternalTokenSigner(internal);
    const newSigner = createInternalTokenSigner({
      kid: 'next',
      alg: 'EdDSA',
      privateKey: next.privateKey,
      publicKey: next.publicKey,
    });
    const caller = { sub: 'u1', issuer: undefined, scopes: new Set(['read:self']), claims: {} };
    const during = internalAuthenticate('user', both);
    // No request dropped across the switch: requests signed before and after both pass.
    for (const signer of [oldSigner, newSigner, oldSigner, newSigner])
      expect(await during(await signer.headers('user', caller))).toEqual({
        sub: 'u1',
        scopes: ['read:self'],
      });
    const after = internalAuthenticate('user', onlyNew);
    await expect(after(await oldSigner.headers('user', caller))).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(await after(await newSigner.headers('user', caller))).toEqual({
      sub: 'u1',
      scopes: ['read:self'],
    });
  });
});
