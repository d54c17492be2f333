/**
 * Deterministic seed data shared by all subgraphs, so that a payment's amount equals its
 * product's price and every id one subgraph hands out resolves in the others.
 */

/** A product as seeded; the product subgraph copies it to allow price updates. */
export interface SeedProduct {
  readonly id: string;
  /** In English; `names` has it in every language the product subgraph serves. */
  readonly name: string;
  readonly names: Readonly<Record<Language, string>>;
  readonly description: string;
  /** Two decimals, 1.00..500.00. */
  readonly price: number;
  readonly inStock: boolean;
  readonly sellerId: string;
}

/** Languages of the seed's product names (`Accept-Language`; English by default). */
export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface SeedUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED';

export interface SeedPayment {
  readonly id: string;
  /** The product's seed price. */
  readonly amount: number;
  readonly currency: string;
  readonly status: PaymentStatus;
  /** ISO 8601, during 2024. */
  readonly createdAt: string;
  readonly userId: string;
  readonly productId: string;
}

/**
 * The whole seed; the arrays are frozen, the maps are indexes by id. Records are `readonly` but not
 * frozen: `@apollo/subgraph` defines a (non-enumerable) `__typename` on every entity it returns.
 */
export interface Seed {
  readonly products: readonly SeedProduct[];
  readonly users: readonly SeedUser[];
  readonly payments: readonly SeedPayment[];
  readonly productById: ReadonlyMap<string, SeedProduct>;
  readonly userById: ReadonlyMap<string, SeedUser>;
}

/** Sizes and PRNG seed; the defaults are what the subgraphs serve. */
export interface SeedOptions {
  /** @default 20240101 */
  readonly seed?: number;
  /** @default 2000 */
  readonly products?: number;
  /** @default 300 */
  readonly users?: number;
  /** @default 10000 */
  readonly payments?: number;
}

/** The one currency of the catalogue (prices carry none). */
export const CURRENCY = 'USD';

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Barbara',
  'Ken',
  'Margaret',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Guido',
  'Hedy',
  'Niklaus',
  'Karen',
  'Donald',
  'Shafi',
  'Tim',
  'Sophie',
  'John',
];
const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Liskov',
  'Thompson',
  'Hamilton',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Rossum',
  'Lamarr',
  'Wirth',
  'Jones',
  'Knuth',
  'Goldwasser',
  'Berners-Lee',
  'Wilson',
  'McCarthy',
];
const ADJECTIVES = [
  'Ergonomic',
  'Rustic',
  'Sleek',
  'Handmade',
  'Refined',
  'Compact',
  'Durable',
  'Lightweight',
  'Vintage',
  'Modern',
  'Practical',
  'Elegant',
];
const MATERIALS = [
  'Steel',
  'Wooden',
  'Cotton',
  'Granite',
  'Bamboo',
  'Leather',
  'Ceramic',
  'Glass',
  'Wool',
  'Copper',
];
const NOUNS = [
  'Chair',
  'Lamp',
  'Keyboard',
  'Mug',
  'Backpack',
  'Table',
  'Notebook',
  'Kettle',
  'Scarf',
  'Clock',
  'Bottle',
  'Shelf',
  'Pen',
  'Blanket',
];
/** French names, aligned with the English lists: noun and its gender, `en <material>`, adjective by gender. */
const NOUNS_FR: readonly (readonly [string, 'm' | 'f'])[] = [
  ['Chaise', 'f'],
  ['Lampe', 'f'],
  ['Clavier', 'm'],
  ['Tasse', 'f'],
  ['Sac à dos', 'm'],
  ['Table', 'f'],
  ['Carnet', 'm'],
  ['Bouilloire', 'f'],
  ['Écharpe', 'f'],
  ['Horloge', 'f'],
  ['Bouteille', 'f'],
  ['Étagère', 'f'],
  ['Stylo', 'm'],
  ['Couverture', 'f'],
];
const MATERIALS_FR = [
  'en acier',
  'en bois',
  'en coton',
  'en granit',
  'en bambou',
  'en cuir',
  'en céramique',
  'en verre',
  'en laine',
  'en cuivre',
];
const ADJECTIVES_FR: readonly (readonly [m: string, f: string])[] = [
  ['ergonomique', 'ergonomique'],
  ['rustique', 'rustique'],
  ['épuré', 'épurée'],
  ['fait main', 'faite main'],
  ['raffiné', 'raffinée'],
  ['compact', 'compacte'],
  ['durable', 'durable'],
  ['léger', 'légère'],
  ['vintage', 'vintage'],
  ['moderne', 'moderne'],
  ['pratique', 'pratique'],
  ['élégant', 'élégante'],
];
const USES = [
  'everyday use',
  'the home office',
  'travel',
  'the kitchen',
  'long evenings',
  'gifting',
  'the workshop',
];

/** Weighted payment statuses: mostly succeeded. */
const STATUSES: readonly (readonly [PaymentStatus, number])[] = [
  ['SUCCEEDED', 0.7],
  ['PENDING', 0.1],
  ['FAILED', 0.12],
  ['REFUNDED', 0.08],
];

const YEAR_START_MS = Date.UTC(2024, 0, 1);
const YEAR_MS = 366 * 24 * 60 * 60 * 1000;

/** mulberry32: a tiny, fast 32-bit PRNG; same seed, same sequence, on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generates the seed from scratch; pure, deterministic for equal options. */
export function generateSeed(options: SeedOptions = {}): Seed {
  const random = mulberry32(options.seed ?? 20240101);
  const userCount = options.users ?? 300;
  const productCount = options.products ?? 2000;
  const paymentCount = options.payments ?? 10000;
  if (userCount < 1 || productCount < userCount || paymentCount < userCount) {
    throw new RangeError(
      'The seed needs users >= 1 and at least as many products and payments as users.',
    );
  }
  const pickIndex = (items: readonly unknown[]): number => Math.floor(random() * items.length);
  const pick = <T>(items: readonly T[]): T => items[pickIndex(items)] as T;
  // why: the first `userCount` products and payments cycle through the users, so every user
  // sells something and has paid for something; the rest are spread at random.
  const userFor = (i: number): string =>
    `u${i < userCount ? i + 1 : Math.floor(random() * userCount) + 1}`;

  const users: SeedUser[] = [];
  for (let i = 1; i <= userCount; i++) {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const email = `${first}.${last}.${i}@example.com`.toLowerCase();
    users.push({ id: `u${i}`, name: `${first} ${last}`, email });
  }

  const products: SeedProduct[] = [];
  for (let i = 0; i < productCount; i++) {
    // why indexes: the same random draws as picking the English words, so the seed is unchanged.
    const [a, m, n] = [pickIndex(ADJECTIVES), pickIndex(MATERIALS), pickIndex(NOUNS)];
    const name = `${ADJECTIVES[a]} ${MATERIALS[m]} ${NOUNS[n]}`;
    const [nounFr, gender] = NOUNS_FR[n]!;
    const names = {
      en: name,
      fr: `${nounFr} ${MATERIALS_FR[m]} ${ADJECTIVES_FR[a]![gender === 'm' ? 0 : 1]}`,
    };
    const description = `A ${name.toLowerCase()} made for ${pick(USES)}.`;
    const price = Math.round((1 + random() * 499) * 100) / 100;
    const inStock = random() < 0.85;
    products.push({
      id: `p${i + 1}`,
      name,
      names,
      description,
      price,
      inStock,
      sellerId: userFor(i),
    });
  }

  const payments: SeedPayment[] = [];
  for (let i = 0; i < paymentCount; i++) {
    const product = pick(products);
    payments.push({
      id: `pay${i + 1}`,
      amount: product.price,
      currency: CURRENCY,
      status: pickStatus(random()),
      createdAt: new Date(YEAR_START_MS + Math.floor(random() * YEAR_MS)).toISOString(),
      userId: userFor(i),
      productId: product.id,
    });
  }

  return Object.freeze({
    products: Object.freeze(products),
    users: Object.freeze(users),
    payments: Object.freeze(payments),
    productById: new Map(products.map((p) => [p.id, p])),
    userById: new Map(users.map((u) => [u.id, u])),
  });
}

function pickStatus(r: number): PaymentStatus {
  let acc = 0;
  for (const [status, weight] of STATUSES) {
    acc += weight;
    if (r < acc) return status;
  }
  return 'SUCCEEDED';
}

let shared: Seed | undefined;

/** The default seed, generated on first use and then shared by every subgraph in the process. */
export function getSeed(): Seed {
  shared ??= generateSeed();
  return shared;
}
