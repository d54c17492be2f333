import { GraphQLError } from 'graphql';
import { badUserInput, checkFirst, unauthenticated } from '../shared/errors.js';
import { checkOwner } from '../shared/ownership.js';
import type { SubgraphContext, SubgraphResolvers } from '../shared/types.js';
import type { PaymentRecord } from './data.js';
import type { PaymentLoaders } from './loaders.js';

type Context = SubgraphContext<PaymentLoaders>;

interface UserRef {
  readonly id: string;
}

/**
 * Resolvers of `subgraphs/payment/schema.graphql`; every lookup goes through a loader. Payments
 * are owner-only (`shared/ownership.ts`): `User.payments` and a `Payment` fetched by reference
 * resolve only for the paying user or staff, whatever path or `_entities` request asks.
 */
export const paymentResolvers: SubgraphResolvers<PaymentLoaders> = {
  Mutation: {
    createPayment: (
      _: unknown,
      { productId }: { productId: string },
      { caller, loaders }: Context,
    ) => {
      if (caller === null) throw unauthenticated('createPayment needs an authenticated caller.');
      const result = loaders.createPayment(caller.sub, productId);
      if (result.ok) return result.payment;
      switch (result.reason) {
        case 'UNKNOWN_PRODUCT':
          throw badUserInput(`No product "${productId}".`);
        case 'UNKNOWN_USER':
          // why: `Payment.user` is non-null; a payment by a user nobody can resolve would break reads.
          throw new GraphQLError(`The caller "${caller.sub}" is not a known user.`, {
            extensions: { code: 'FORBIDDEN' },
          });
      }
    },
  },
  Payment: {
    // why here: `_entities` is the one way to reach a payment by id; a payment reached through
    // `User.payments` was checked there, and `createPayment` returns the caller's own.
    __resolveReference: async (ref: { id: string }, { caller, loaders }: Context) => {
      const payment = await loaders.paymentById.load(ref.id);
      if (payment) checkOwner(caller, payment.userId, 'payment');
      return payment;
    },
    user: (payment: PaymentRecord) => ({ __typename: 'User', id: payment.userId }),
    product: (payment: PaymentRecord) => ({ __typename: 'Product', id: payment.productId }),
  },
  User: {
    // why: loading the payments here both checks the user exists and primes the loader that
    // `payments` reads, so `_entities { ... on User { payments } }` is one data call.
    __resolveReference: async (ref: UserRef, { loaders }: Context) =>
      (await loaders.paymentsByUser.load(ref.id)) === null ? null : { id: ref.id },
    payments: async (user: UserRef, { first }: { first: number }, { caller, loaders }: Context) => {
      checkOwner(caller, user.id, 'payment history');
      const payments = await loaders.paymentsByUser.load(user.id);
      return (payments ?? []).slice(0, checkFirst(first));
    },
  },
};
