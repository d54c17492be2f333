import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalTokenSigner } from '../../src/auth/internalToken.js';
import { loadDevKeys } from '../../src/auth/keys.js';
import {
  internalAuthenticate,
  internalPublicKeysFromEnv,
} from '../../subgraphs/shared/internalAuth.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { DEV_KEYS_DIR, devToken } from '../helpers/tokens.js';

/** Group M of docs/security.md: subgraphs answer the gateway only. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const ENTITIES = {
  query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }',
  variables: { r: [{ __typename: 'User', id: 'u1' }] },
};
const internal = loadDevKeys(DEV_KEYS_DIR).internal;
const signer = createInternalTokenSigner(internal);
const caller = { sub: 'u1', issuer: undefined, scopes: new Set(['read:email']), claims: {} };

async function direct(body: unknown, authorization?: string) {
  const response = await fetch(stack.subgraphs.user.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { extensions: { code: string } }[];
    },
  };
}
const internalToken = (claims: Record<string, unknown>, expiresIn = '60s') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: internal.alg, kid: internal.kid })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(internal.privateKey);

describe('direct calls to a subgraph', () => {
  const refused: [string, () => Promise<string | undefined>][] = [
    ['no token', () => Promise.resolve(undefined)],
    ['the client’s own JWT', () => devToken('u1', 'read:email').then((t) => `Bearer ${t}`)],
    [
      'an internal token for another subgraph',
      async () => (await signer.headers('product', caller)).authorization,
    ],
    [
      'an expired internal token',
      () =>
        internalToken({ iss: 'federation-gateway', aud: 'user', sub: 'u1' }, '-1h').then(
          (t) => `Bearer ${t}`,
        ),
    ],
    [
      'an internal token from another issuer',
      () => internalToken({ iss: 'someone', aud: 'user', sub: 'u1' }).then((t) => `Bearer ${t}`),
    ],
    [
      'a token signed with another key',
      async () => {
        const { privateKey } = await generateKeyPair('EdDSA');
        const token = await new SignJWT({ iss: 'federation-gateway', aud: 'user', sub: 'u1' })
          .setProtectedHeader({ alg: 'EdDSA' })
          .setIssuedAt()
          .setExpirationTime('60s')
          .sign(privateKey);
        return `Bearer ${token}`;
      },
    ],
    ['a shared-secret guess', () => Promise.resolve('Bearer gateway-secret')],
  ];

  it.each(refused)('%s: 401 before any GraphQL runs', async (_case, authorization) => {
    stack.resetStats();
    for (const body of [ENTITIES, { query: '{ _service { sdl } }' }]) {
      const { status, body: answer } = await direct(body, await authorization());
      expect(status).toBe(401);
      expect(answer.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect(answer.data).toBeUndefined();
    }
    expect(stack.subgraphs.user.stats.dataCalls).toBe(0);
  });

  it('answers a gateway-signed token for this subgraph (the caller comes from the token)', async () => {
    // Each token is bound to the query text it was signed for.
    const read = (query: string) => ({ query, mutation: false });
    const { authorization } = await signer.headers('user', caller, read(ENTITIES.query));
    const entities = await direct(ENTITIES, authorization);
    expect(entities.status).toBe(200);
    expect(entities.body.data).toEqual({ _entities: [{ id: 'u1', email: expect.any(String) }] });
    const me = await direct(
      { query: '{ me { id } }' },
      (await signer.headers('user', caller, read('{ me { id } }'))).authorization,
    );
    expect(me.body.data).toEqual({ me: { id: 'u1' } });
    const anonymous = await direct(
      { query: '{ me { id } }' },
      (await signer.headers('user', null, read('{ me { id } }'))).authorization,
    );
    expect(anonymous.body.data).toEqual({ me: null });
  });
});

describe('internal tokens', () => {
  it('are reused for one caller (signing is off the hot path), distinct per caller and subgraph', async () => {
    const a = await signer.headers('user', caller);
    expect(await signer.headers('user', { ...caller, scopes: new Set(['read:email']) })).toBe(a);
    expect((await signer.headers('user', { ...caller, sub: 'u2' })).authorization).not.toBe(
      a.authorization,
    );
    expect((await signer.headers('payment', caller)).authorization).not.toBe(a.authorization);
    expect((await signer.headers('user', { ...caller, scopes: new Set() })).authorization).not.toBe(
      a.authorization,
    );
  });

  it('the gateway sends the same internal token on consecutive requests of one caller', async () => {
    // Payments are never cached, so both requests reach the payment subgraph.
    const token = await devToken('u42', 'read:payments');
    const query = '{ user(id: "u1") { payments(first: 1) { id } } }';
    stack.resetStats();
    await stack.query(query, { token });
    await stack.query(query, { token });
    const [first, second] = stack.subgraphs.payment.stats.received;
    expect(first!.headers.authorization).toMatch(/^Bearer /);
    expect(second!.headers.authorization).toBe(first!.headers.authorization);
  });
});

describe('internal key rotation', () => {
  it('accepts the old and the new key while both are listed, then only the new one', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const next = generateKeyPairSync('ed25519');
    const pem = (key: typeof next.publicKey) =>
      key.export({ type: 'spki', format: 'pem' }).toString();
    const old = internal.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    // One variable, both PEMs; here on one line with literal \n, as CI secrets often carry them.
    const both = internalPublicKeysFromEnv({
      INTERNAL_JWT_PUBLIC_KEY: `${old}${pem(next.publicKey)}`.replace(/\n/g, '\\n'),
    });
    const onlyNew = internalPublicKeysFromEnv({ INTERNAL_JWT_PUBLIC_KEY: pem(next.publicKey) });
    const sign = (privateKey: Parameters<SignJWT['sign']>[0], alg: string) =>
      new SignJWT({ iss: 'federation-gateway', aud: 'user', sub: 'u1' })
        .setProtectedHeader({ alg })
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(privateKey)
        .then((t) => ({ authorization: `Bearer ${t}` }));
    const oldToken = await sign(internal.privateKey, internal.alg);
    const newToken = await sign(next.privateKey, 'EdDSA');
    const during = internalAuthenticate('user', both);
    expect(await during(oldToken)).toEqual({ sub: 'u1', scopes: [] });
    expect(await during(newToken)).toEqual({ sub: 'u1', scopes: [] });
    const after = internalAuthenticate('user', onlyNew);
    await expect(after(oldToken)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(await after(newToken)).toEqual({ sub: 'u1', scopes: [] });
  });
});

describe('subgraph start-up', () => {
  it('refuses NODE_ENV=production without INTERNAL_JWT_PUBLIC_KEY, with a clear sentence', () => {
    expect(() => internalPublicKeysFromEnv({ NODE_ENV: 'production' })).toThrow(
      /INTERNAL_JWT_PUBLIC_KEY/,
    );
    const root = path.resolve(import.meta.dirname, '../..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'subgraphs/main.ts', 'user'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', INTERNAL_JWT_PUBLIC_KEY: '', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/INTERNAL_JWT_PUBLIC_KEY must be set when NODE_ENV=production/);
  });
});
