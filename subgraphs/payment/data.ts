import { CURRENCY, type Seed, type SeedPayment } from '../shared/seed.js';
import type { DataCallCounter } from '../shared/types.js';

/** A payment as served: a seed payment or one created by `createPayment`. */
export type PaymentRecord = SeedPayment;

/** Outcome of {@link PaymentData.createPayment}. */
export type CreatePaymentResult =
  | { readonly ok: true; readonly payment: PaymentRecord }
  | { readonly ok: false; readonly reason: 'UNKNOWN_PRODUCT' | 'UNKNOWN_USER' };

/** The payment subgraph's data layer; every method call counts one data call. */
export interface PaymentData {
  /** Payments by id, aligned with `ids`; `null` for unknown ids. */
  paymentsByIds(ids: readonly string[]): (PaymentRecord | null)[];
  /** Each user's payments, newest first, aligned with `userIds`; `null` for unknown users. */
  paymentsByUsers(userIds: readonly string[]): (readonly PaymentRecord[] | null)[];
  /** Records a PENDING payment of the product's seed price by `userId`. */
  createPayment(userId: string, productId: string): CreatePaymentResult;
}

/** Newest first; ties (same millisecond) by descending id number, so the order is total. */
function newestFirst(a: PaymentRecord, b: PaymentRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return Number(b.id.slice(3)) - Number(a.id.slice(3));
}

/**
 * Builds the data layer: id and per-user indexes over the seed payments, built once; created
 * payments live in this instance only.
 */
export function createPaymentData(seed: Seed, countDataCall: DataCallCounter): PaymentData {
  const byId = new Map<string, PaymentRecord>(seed.payments.map((p) => [p.id, p]));
  const byUser = new Map<string, PaymentRecord[]>(seed.users.map((u) => [u.id, []]));
  for (const payment of seed.payments) byUser.get(payment.userId)?.push(payment);
  for (const list of byUser.values()) list.sort(newestFirst);
  let lastNumber = seed.payments.length;

  return {
    paymentsByIds(ids) {
      countDataCall();
      return ids.map((id) => byId.get(id) ?? null);
    },
    paymentsByUsers(userIds) {
      countDataCall();
      return userIds.map((id) => byUser.get(id) ?? null);
    },
    createPayment(userId, productId) {
      countDataCall();
      const product = seed.productById.get(productId);
      const list = byUser.get(userId);
      if (!product) return { ok: false, reason: 'UNKNOWN_PRODUCT' };
      if (!list) return { ok: false, reason: 'UNKNOWN_USER' };
      lastNumber += 1;
      const payment: PaymentRecord = {
        id: `pay${lastNumber}`,
        amount: product.price,
        currency: CURRENCY,
        status: 'PENDING',
        createdAt: new Date().toISOString(),
        userId,
        productId,
      };
      byId.set(payment.id, payment);
      // why: seed payments are all in 2024, so a payment made now is the newest one.
      list.unshift(payment);
      return { ok: true, payment };
    },
  };
}
