import { badUserInput, checkFirst } from '../shared/errors.js';
import type { SubgraphContext, SubgraphResolvers } from '../shared/types.js';
import type { ProductRecord } from './data.js';
import type { ProductLoaders } from './loaders.js';

type Context = SubgraphContext<ProductLoaders>;

interface UserRef {
  readonly id: string;
}

/** Resolvers of `subgraphs/product/schema.graphql`; every lookup goes through a loader. */
export const productResolvers: SubgraphResolvers<ProductLoaders> = {
  Query: {
    product: (_: unknown, { id }: { id: string }, { loaders }: Context) =>
      loaders.productById.load(id),
    products: async (
      _: unknown,
      args: { first: number; after?: string | null },
      { loaders }: Context,
    ) => {
      const page = await loaders.productPage.load({
        first: checkFirst(args.first),
        after: args.after,
      });
      if (page === null)
        throw badUserInput(`"after" must be the id of a product, got "${args.after}".`);
      return page;
    },
  },
  Mutation: {
    updateProductPrice: (
      _: unknown,
      { id, price }: { id: string; price: number },
      { loaders }: Context,
    ) => {
      if (!Number.isFinite(price) || price < 0)
        throw badUserInput('"price" must be a finite number >= 0.');
      return loaders.setPrice(id, price);
    },
  },
  Product: {
    __resolveReference: (ref: { id: string }, { loaders }: Context) =>
      loaders.productById.load(ref.id),
    // The catalogue speaks English and French: `Accept-Language`, English by default.
    name: (product: ProductRecord, _: unknown, { language }: Context) => product.names[language],
    seller: (product: ProductRecord) => ({ __typename: 'User', id: product.sellerId }),
  },
  User: {
    // why: loading the user's products here both checks the user exists and primes the loader
    // that `products` reads, so `_entities { ... on User { products } }` is one data call.
    __resolveReference: async (ref: UserRef, { loaders }: Context) =>
      (await loaders.productsBySeller.load(ref.id)) === null ? null : { id: ref.id },
    products: async (user: UserRef, { first }: { first: number }, { loaders }: Context) => {
      const products = await loaders.productsBySeller.load(user.id);
      return (products ?? []).slice(0, checkFirst(first));
    },
  },
};
