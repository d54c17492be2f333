import DataLoader from 'dataloader';
import type { CreatePaymentResult, PaymentData, PaymentRecord } from './data.js';

/** Per-request DataLoaders of the payment subgraph. */
export interface PaymentLoaders {
  readonly paymentById: DataLoader<string, PaymentRecord | null>;
  readonly paymentsByUser: DataLoader<string, readonly PaymentRecord[] | null>;
  /** Records a payment, primes `paymentById` with it and forgets the user's cached list. */
  createPayment(userId: string, productId: string): CreatePaymentResult;
}

/** Creates fresh loaders; called once per request, never shared. */
export function createPaymentLoaders(data: PaymentData): PaymentLoaders {
  const paymentById = new DataLoader((ids: readonly string[]) =>
    Promise.resolve(data.paymentsByIds(ids)),
  );
  const paymentsByUser = new DataLoader((ids: readonly string[]) =>
    Promise.resolve(data.paymentsByUsers(ids)),
  );
  return {
    paymentById,
    paymentsByUser,
    createPayment(userId, productId) {
      const result = data.createPayment(userId, productId);
      if (result.ok) {
        paymentById.prime(result.payment.id, result.payment);
        paymentsByUser.clear(userId);
      }
      return result;
    },
  };
}
