import type { Seed, SeedProduct } from '../shared/seed.js';
import type { DataCallCounter } from '../shared/types.js';

/** A product as served; `price` changes through `updateProductPrice`. */
export interface ProductRecord extends Omit<SeedProduct, 'price'> {
  price: number;
}

/** One `products(first, after)` page request. */
export interface PageRequest {
  readonly first: number;
  /** Id of the last product of the previous page; absent = from the start. */
  readonly after?: string | null;
}

/** The product subgraph's data layer; every method call counts one data call. */
export interface ProductData {
  /** Products by id, aligned with `ids`; `null` for unknown ids. */
  productsByIds(ids: readonly string[]): (ProductRecord | null)[];
  /** Pages in catalogue order, aligned with `pages`; `null` where `after` is not a product id. */
  productPages(pages: readonly PageRequest[]): (readonly ProductRecord[] | null)[];
  /** Products each user sells, in catalogue order, aligned with `userIds`; `null` for unknown users. */
  productsBySellers(userIds: readonly string[]): (readonly ProductRecord[] | null)[];
  /** Sets a product's price; returns the product, `null` if unknown. */
  setPrice(id: string, price: number): ProductRecord | null;
}

/**
 * Builds the data layer over a private copy of the seed products (so price updates stay within
 * one server), with id and seller indexes built once.
 */
export function createProductData(seed: Seed, countDataCall: DataCallCounter): ProductData {
  const products: ProductRecord[] = seed.products.map((p) => ({ ...p }));
  const positionById = new Map(products.map((p, i) => [p.id, i]));
  const bySeller = new Map<string, ProductRecord[]>(seed.users.map((u) => [u.id, []]));
  for (const product of products) bySeller.get(product.sellerId)?.push(product);

  const byId = (id: string): ProductRecord | null => {
    const position = positionById.get(id);
    return position === undefined ? null : (products[position] ?? null);
  };

  return {
    productsByIds(ids) {
      countDataCall();
      return ids.map(byId);
    },
    productPages(pages) {
      countDataCall();
      return pages.map(({ first, after }) => {
        const start = after == null ? 0 : (positionById.get(after) ?? -2) + 1;
        return start < 0 ? null : products.slice(start, start + first);
      });
    },
    productsBySellers(userIds) {
      countDataCall();
      return userIds.map((id) => bySeller.get(id) ?? null);
    },
    setPrice(id, price) {
      countDataCall();
      const product = byId(id);
      if (product) product.price = price;
      return product;
    },
  };
}
