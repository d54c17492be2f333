import DataLoader from 'dataloader';
import type { PageRequest, ProductData, ProductRecord } from './data.js';

/** Per-request DataLoaders of the product subgraph: one data call per loader per tick. */
export interface ProductLoaders {
  readonly productById: DataLoader<string, ProductRecord | null>;
  readonly productPage: DataLoader<PageRequest, readonly ProductRecord[] | null, string>;
  readonly productsBySeller: DataLoader<string, readonly ProductRecord[] | null>;
  /** Writes a new price and refreshes `productById`'s cached entry; `null` if unknown. */
  setPrice(id: string, price: number): ProductRecord | null;
}

/** Creates fresh loaders; called once per request, never shared. */
export function createProductLoaders(data: ProductData): ProductLoaders {
  const productById = new DataLoader((ids: readonly string[]) =>
    Promise.resolve(data.productsByIds(ids)),
  );
  return {
    productById,
    productPage: new DataLoader((pages) => Promise.resolve(data.productPages(pages)), {
      cacheKeyFn: ({ first, after }) => `${first}:${after ?? ''}`,
    }),
    productsBySeller: new DataLoader((ids) => Promise.resolve(data.productsBySellers(ids))),
    setPrice(id, price) {
      const product = data.setPrice(id, price);
      productById.clear(id).prime(id, product);
      return product;
    },
  };
}
