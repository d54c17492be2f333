import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { createTestIssuer, devToken, type TestIssuer } from '../helpers/tokens.js';
import { startKeyServer, type KeyServer } from './keyServer.js';

const CHECKOUT_SCREEN = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;
type Body = { data?: unknown; errors?: { extensions: Record<string, unknown> }[] };
const codes = (body: Body) => body.errors?.map((e) => e.extensions.code);

describe('AUTH_REJECT_UNAUTHORIZED=true: the whole request is refused, nothing executed', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { AUTH_REJECT_UNAUTHORIZED: 'true' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('anonymous: 401 UNAUTHENTICATED listing the paths', async () => {
    stack.resetStats();
    const { status, body } = await stack.query(CHECKOUT_SCREEN);
    expect(status).toBe(401);
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
    expect(body.errors![0]!.extensions.unauthorizedPaths).toEqual([['me']]);
    expect(body.data).toBeUndefined();
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('authenticated without a scope: 403 FORBIDDEN', async () => {
    const { status, body } = await stack.query(CHECKOUT_SCREEN, {
      token: await devToken('u42', 'read:email'),
    });
    expect(status).toBe(403);
    expect(codes(body)).toEqual(['FORBIDDEN']);
    expect(body.errors![0]!.extensions.unauthorizedPaths).toEqual([['me', 'payments']]);
  });

  it('full scopes, or a protected field that is skipped: served', async () => {
    const full = await stack.query(CHECKOUT_SCREEN, {
      token: await devToken('u42', 'read:email read:payments'),
    });
    expect(full.status).toBe(200);
    expect(full.body.errors).toBeUndefined();
    const skipped = await stack.query(
      'query($x: Boolean = false) { me @include(if: $x) { id } products(first: 1) { id } }',
    );
    expect(skipped.status).toBe(200);
    expect(skipped.body.data).toEqual({ products: [{ id: expect.any(String) }] });
  });
});

describe('keys from a remote JWKS (JWT_JWKS_URL)', () => {
  let stack: Stack;
  let idp: TestIssuer;
  let keys: KeyServer;
  beforeAll(async () => {
    idp = await createTestIssuer({ kid: 'main' });
    keys = await startKeyServer({ keys: [idp.publicJwk] });
    keys.mode = 'error';
    stack = await startStack({
      env: {
        JWT_JWKS_URL: `${keys.url}/.well-known/jwks.json`,
        JWT_ISSUER: idp.issuer,
        JWT_AUDIENCE: idp.audience,
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await keys?.close();
  });

  it('JWKS down and no key cached: 503 SERVICE_UNAVAILABLE with Retry-After, never 401 or 500', async () => {
    stack.resetStats();
    const token = await idp.mint({ sub: 'u42', scope: 'read:email' });
    const { status, body, headers } = await stack.query('{ me { email } }', { token });
    expect(status).toBe(503);
    expect(codes(body)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(Number(headers.get('retry-after'))).toBeGreaterThan(0);
    expect(stack.subgraphs.user.stats.requests).toBe(0);
    // Anonymous requests need no key and are served meanwhile.
    expect((await stack.query('{ products(first: 1) { id } }')).status).toBe(200);
  });

  it('serves tokens once the JWKS is back; the token dev key is not accepted', async () => {
    keys.mode = 'ok';
    const token = await idp.mint({ sub: 'u42', scope: 'read:email' });
    await expect
      .poll(async () => (await stack.query('{ me { id email } }', { token })).status, {
        timeout: 15_000,
        interval: 500,
      })
      .toBe(200);
    const { body } = await stack.query('{ me { id email } }', { token });
    expect(body.data.me).toEqual({ id: 'u42', email: expect.stringContaining('@') });
    expect((await stack.query('{ me { id } }', { token: await devToken('u42') })).status).toBe(401);
  });
});
