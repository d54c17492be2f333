/**
 * Internal tokens that are small, bound and short-lived, and the client input they are made from:
 * - bound to the request (docs/security.md case 77): a token captured from a real read never runs a
 *   mutation, a mutation's token runs once with its own variables, and nothing after the window;
 * - trimmed: each subgraph gets only the scopes its schema and own checks use, so a client token
 *   with kilobytes of scopes still works, and one with absurdly many is refused up front (401);
 * - scopes normalised once in the verifier (a scope never contains whitespace);
 * - only valid W3C `traceparent` headers reach the subgraphs.
 * Real subgraphs over HTTP, real JWTs (development keys).
 */
import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalTokenSigner } from '../../src/auth/internalToken.js';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKeys } from '../../src/auth/keys.js';
import type { SubgraphHandle } from '../../subgraphs/shared/server.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { DEV_KEYS_DIR, devToken } from '../helpers/tokens.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { RATE_LIMIT_CAPACITY: '100000000' } });
});
afterAll(async () => {
  await stack?.stop();
});

/** A development client token with any claims (array scopes, odd strings). */
async function clientToken(claims: JWTPayload): Promise<string> {
  const client = loadDevKeys(DEV_KEYS_DIR).client;
  return new SignJWT({ iss: DEV_ISSUER, aud: DEV_AUDIENCE, sub: 'u1', ...claims })
    .setProtectedHeader({ alg: client.alg, kid: client.kid, typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(client.privateKey);
}

/** POSTs straight to a subgraph, around the gateway, as an attacker holding a captured token. */
async function direct(subgraph: SubgraphHandle, authorization: string, body: unknown) {
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

/** The `scope` claim of an internal token (`Bearer …`), '' when it has none. */
const scopeOf = (authorization: string): string => {
  const scope = decodeJwt(authorization.slice(7)).scope;
  return typeof scope === 'string' ? scope : '';
};

/** The internal tokens a subgraph received since the last `resetStats`. */
const received = (subgraph: SubgraphHandle) =>
  subgraph.stats.received.map((r) => r.headers.authorization ?? '');

const CHECKOUT = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;
const CREATE = 'mutation ($p: ID!) { createPayment(productId: $p) { id amount } }';

describe('internal tokens are bound to the request (case 77)', { timeout: 60_000 }, () => {
  it('a token captured from a real read of the payment subgraph cannot run createPayment: 401', async () => {
    const token = await devToken('u1', 'read:payments');
    stack.resetStats();
    const read = await stack.query('{ me { payments(first: 1) { id } } }', { token });
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.me.payments).toHaveLength(1);
    const [captured] = received(stack.subgraphs.payment);
    expect(captured).toMatch(/^Bearer /);
    const readQuery = stack.subgraphs.payment.stats.received[0]!.query;
    const before = stack.subgraphs.payment.stats.dataCalls;

    const mutation = await direct(stack.subgraphs.payment, captured!, {
      query: CREATE,
      variables: { p: 'p1' },
    });
    expect(mutation.status).toBe(401);
    expect(mutation.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // Another read with it (another query text): refused too.
    const other = await direct(stack.subgraphs.payment, captured!, {
      query: '{ _service { sdl } }',
    });
    expect(other.status).toBe(401);
    expect(stack.subgraphs.payment.stats.dataCalls).toBe(before);
    // The very request it was signed for still passes inside its window (what the gateway sends).
    const same = await direct(stack.subgraphs.payment, captured!, {
      query: readQuery,
      variables: stack.subgraphs.payment.stats.received[0]!.variables,
    });
    expect(same.status).toBe(200);
  });

  it("a mutation's token runs once, with its own variables only", async () => {
    const token = await devToken('u1', 'read:payments');
    stack.resetStats();
    const created = await stack.query(CREATE, { token, variables: { p: 'p2' } });
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data.createPayment.id).toEqual(expect.any(String));
    const sent = stack.subgraphs.payment.stats.received.find((r) =>
      r.query.includes('createPayment'),
    );
    expect(sent).toBeDefined();
    const authorization = sent!.headers.authorization!;
    expect(decodeJwt(authorization.slice(7))).toMatchObject({
      jti: expect.any(String),
      vh: expect.any(String),
    });
    const before = stack.subgraphs.payment.stats.dataCalls;
    const replay = await direct(stack.subgraphs.payment, authorization, {
      query: sent!.query,
      variables: sent!.variables,
    });
    expect(replay.status).toBe(401);
    const otherVariables = await direct(stack.subgraphs.payment, authorization, {
      query: sent!.query,
      variables: { ...(sent!.variables as object), productId: 'p3', p: 'p3' },
    });
    expect(otherVariables.status).toBe(401);
    expect(stack.subgraphs.payment.stats.dataCalls).toBe(before);
  });

  it('tokens live seconds: a captured token is refused once its window has passed', async () => {
    const short = await startStack({ env: { INTERNAL_TOKEN_TTL_SECONDS: '2' } });
    try {
      const token = await devToken('u1', 'read:payments');
      const read = await short.query('{ me { payments(first: 1) { id } } }', { token });
      expect(read.body.data.me.payments).toHaveLength(1);
      const sent = short.subgraphs.payment.stats.received[0]!;
      const authorization = sent.headers.authorization!;
      const { exp, iat } = decodeJwt(authorization.slice(7));
      expect(exp! - iat!).toBe(2);
      const body = { query: sent.query, variables: sent.variables };
      // Wait for the observable event (the subgraph's 401), bounded well past exp + 5 s tolerance.
      const deadline = Date.now() + 30_000;
      let status = (await direct(short.subgraphs.payment, authorization, body)).status;
      expect(status).toBe(200);
      while (status !== 401 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await direct(short.subgraphs.payment, authorization, body)).status;
      }
      expect(status).toBe(401);
      expect(Date.now() / 1000).toBeGreaterThan(exp!);
      // The gateway itself moves on to a fresh token.
      const again = await short.query('{ me { payments(first: 1) { id } } }', { token });
      expect(again.body.data.me.payments).toHaveLength(1);
    } finally {
      await short.stop();
    }
  });

  it('signing stays rare: one query text and caller share one token per window', async () => {
    const signer = createInternalTokenSigner(loadDevKeys(DEV_KEYS_DIR).internal);
    const caller = { sub: 'u1', issuer: undefined, scopes: new Set(['read:email']), claims: {} };
    const request = { query: '{ me { id } }', mutation: false };
    const first = await signer.headers('user', caller, request);
    for (let i = 0; i < 100; i += 1)
      expect(await signer.headers('user', caller, request)).toBe(first);
    expect(signer.signed()).toBe(1);
    await signer.headers('user', caller, { query: '{ me { name } }', mutation: false });
    await signer.headers('user', caller, { query: CREATE, mutation: true });
    await signer.headers('user', caller, { query: CREATE, mutation: true });
    expect(signer.signed()).toBe(4);
  });
});

describe('internal tokens carry only the scopes their subgraph uses', { timeout: 60_000 }, () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => `tenant:${String(i).padStart(4, '0')}:reader`);

  it('a client token with 3.3 KB of scopes: every subgraph answers, each token stays small', async () => {
    const scopes = [...many(175), 'read:email', 'read:payments'].join(' ');
    expect(scopes.length).toBeGreaterThan(3300);
    const token = await devToken('u1', scopes);
    stack.resetStats();
    const res = await stack.query(CHECKOUT, { token });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me.email).toEqual(expect.any(String));
    expect(res.body.data.me.payments.length).toBeGreaterThan(0);
    for (const name of ['user', 'payment', 'product'] as const) {
      for (const authorization of received(stack.subgraphs[name])) {
        expect(authorization.length).toBeLessThan(1024);
        const scope = scopeOf(authorization);
        expect(scope).not.toContain('tenant:');
      }
    }
    const [user] = received(stack.subgraphs.user);
    const [payment] = received(stack.subgraphs.payment);
    expect(decodeJwt(user!.slice(7)).scope).toBe('read:email');
    expect(decodeJwt(payment!.slice(7)).scope).toBe('read:payments');
  });

  it('the staff scope read:users:all reaches the user and payment subgraphs, not product', async () => {
    const token = await devToken('u1', 'read:users:all admin:products read:email read:payments');
    stack.resetStats();
    const res = await stack.query(CHECKOUT, { token });
    expect(res.body.errors).toBeUndefined();
    const scopesOf = (name: 'user' | 'payment' | 'product') =>
      received(stack.subgraphs[name]).map((a) => scopeOf(a));
    for (const scope of scopesOf('user')) expect(scope.split(' ')).toContain('read:users:all');
    for (const scope of scopesOf('payment')) expect(scope.split(' ')).toContain('read:users:all');
    for (const scope of scopesOf('product')) {
      expect(scope.split(' ')).not.toContain('read:users:all');
      expect(scope.split(' ')).toContain('admin:products');
    }
  });

  it('absurdly many scopes: 401 UNAUTHENTICATED before anything runs', async () => {
    const token = await devToken('u1', many(300).join(' '));
    stack.resetStats();
    const res = await stack.query('{ me { name } products(first: 1) { name } }', { token });
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeUndefined();
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    for (const name of ['user', 'payment', 'product'] as const)
      expect(stack.subgraphs[name].stats.requests).toBe(0);
  });
});

describe('scopes are normalised once, in the verifier', { timeout: 60_000 }, () => {
  it('an array entry with a space is dropped, never split into scopes for the subgraphs', async () => {
    const token = await clientToken({ scp: ['read:payments admin:products', 'read:email'] });
    stack.resetStats();
    const res = await stack.query('mutation { updateProductPrice(id: "p1", price: 1) { id } }', {
      token,
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    const me = await stack.query('{ me { email payments(first: 1) { id } } }', { token });
    expect(me.body.data.me.email).toEqual(expect.any(String));
    expect(me.body.data.me.payments).toBeNull();
    for (const name of ['user', 'payment', 'product'] as const)
      for (const authorization of received(stack.subgraphs[name])) {
        const scope = scopeOf(authorization);
        expect(scope.split(' ')).not.toContain('admin:products');
        expect(scope.split(' ')).not.toContain('read:payments');
      }
  });

  it('a scope string is split on any whitespace (tabs, newlines), as RFC 6749 lists scopes', async () => {
    const token = await clientToken({ scope: 'read:email\tread:payments\nread:self' });
    const res = await stack.query('{ me { email payments(first: 1) { id } } }', { token });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me.payments).toHaveLength(1);
  });
});

describe('trace context reaches subgraphs only when valid (W3C)', { timeout: 60_000 }, () => {
  const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const span = '00f067aa0ba902b7';
  it.each([
    ['version ff', `ff-${trace}-${span}-01`, 11],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${span}-01`, 12],
    ['all-zero parent id', `00-${trace}-${'0'.repeat(16)}-01`, 13],
    ['upper-case hex', `00-${trace.toUpperCase()}-${span}-01`, 14],
    ['version 00 with extra fields', `00-${trace}-${span}-01-extra`, 15],
  ])('%s is dropped', async (_, traceparent, first) => {
    stack.resetStats();
    // A list not asked for before, so the product subgraph is called (not the cache).
    const res = await stack.query(`{ products(first: ${first}) { id } }`, {
      headers: { traceparent, tracestate: 'vendor=value' },
    });
    expect(res.status).toBe(200);
    const sent = stack.subgraphs.product.stats.received;
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r.headers.traceparent).toBeUndefined();
      expect(r.headers.tracestate).toBeUndefined();
    }
  });

  it('a valid one is passed on with its tracestate', async () => {
    const traceparent = `00-${trace}-${span}-01`;
    stack.resetStats();
    await stack.query('{ products(first: 16) { id } }', {
      headers: { traceparent, tracestate: 'vendor=value' },
    });
    const [sent] = stack.subgraphs.product.stats.received;
    expect(sent?.headers.traceparent).toBe(traceparent);
    expect(sent?.headers.tracestate).toBe('vendor=value');
  });
});
