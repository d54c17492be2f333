import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSeed } from '../../subgraphs/shared/seed.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

/** The canonical screen of docs/architecture.md. */
const CHECKOUT_SCREEN = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const unauthorized = (body: { errors?: { path?: unknown[]; extensions: { code: string } }[] }) =>
  (body.errors ?? [])
    .filter((e) => e.extensions.code === 'UNAUTHORIZED_FIELD_OR_TYPE')
    .map((e) => e.path);

describe('CheckoutScreen, as DESIGN says', () => {
  it('anonymous: me is null with one error at ["me"]; products are served', async () => {
    stack.resetStats();
    const { status, body } = await stack.query(CHECKOUT_SCREEN);
    expect(status).toBe(200);
    expect(Object.keys(body.data)).toEqual(['me', 'products']);
    expect(body.data.me).toBeNull();
    expect(body.data.products).toHaveLength(10);
    expect(body.data.products[0].seller.name).toEqual(expect.any(String));
    expect(body.errors).toHaveLength(1);
    expect(unauthorized(body)).toEqual([['me']]);
    // `me` was removed before planning: neither the user nor the payment subgraph saw it.
    expect(stack.subgraphs.payment.stats.requests).toBe(0);
    for (const r of stack.subgraphs.user.stats.received) expect(r.query).not.toMatch(/\bme\b/);
  });

  it('scoped user without read:email / read:payments: email and payments null, with errors', async () => {
    const token = await devToken('u42', 'read:profile');
    stack.resetStats();
    const { status, body } = await stack.query(CHECKOUT_SCREEN, { token });
    expect(status).toBe(200);
    expect(body.data.me).toEqual({
      name: getSeed().users[41]!.name,
      email: null,
      payments: null,
    });
    expect(body.data.products).toHaveLength(10);
    expect(unauthorized(body)).toEqual([
      ['me', 'email'],
      ['me', 'payments'],
    ]);
    expect(body.errors).toHaveLength(2);
    expect(stack.subgraphs.payment.stats.requests).toBe(0);
  });

  it('full scopes: everything, no errors', async () => {
    const token = await devToken('u42', 'read:email read:payments');
    const { status, body } = await stack.query(CHECKOUT_SCREEN, { token });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.me.email).toBe(getSeed().users[41]!.email);
    expect(body.data.me.payments).toHaveLength(5);
    expect(body.data.me.payments[0]).toEqual({
      amount: expect.any(Number),
      status: expect.any(String),
      product: { name: expect.any(String), price: expect.any(Number) },
    });
    expect(body.data.products).toHaveLength(10);
  });

  it('alternating callers on one document never share a filtered plan or result', async () => {
    const full = await devToken('u42', 'read:email read:payments');
    const partial = await devToken('u42', 'read:email');
    for (let round = 0; round < 3; round++) {
      const a = await stack.query(CHECKOUT_SCREEN, { token: full });
      const b = await stack.query(CHECKOUT_SCREEN, { token: partial });
      const c = await stack.query(CHECKOUT_SCREEN);
      expect(a.body.errors).toBeUndefined();
      expect(a.body.data.me.payments).toHaveLength(5);
      expect(b.body.data.me.email).toBe(getSeed().users[41]!.email);
      expect(b.body.data.me.payments).toBeNull();
      expect(unauthorized(b.body)).toEqual([['me', 'payments']]);
      expect(c.body.data.me).toBeNull();
      expect(unauthorized(c.body)).toEqual([['me']]);
    }
  });
});
