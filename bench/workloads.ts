import fs from 'node:fs';
import path from 'node:path';
import { normalize, sha256 } from '../src/persisted/manifest.js';

/** The benchmark's screens: each one GraphQL request, as a frontend sends it. */
export interface Workload {
  readonly name: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Send `Authorization: Bearer` with a development-key token for this caller (minted by run.ts).
   * The plain contender gets the same header and ignores it.
   */
  readonly token?: { readonly sub: string; readonly scopes: string };
  /** Sent once before the workload: registers an automatic persisted query. */
  readonly register?: string;
}

const request = (query: string) => JSON.stringify({ query });
const operation = (file: string) =>
  fs.readFileSync(path.join(import.meta.dirname, '../operations', file), 'utf8');

// The screen as the manifest holds it: its id is the sha256 of the normalized document.
const checkout = normalize(operation('CheckoutScreen.graphql'));
const persistedQuery = { version: 1, sha256Hash: sha256(checkout) };

export const WORKLOADS: readonly Workload[] = [
  {
    // The canonical CheckoutScreen of docs/architecture.md, by a signed-in user with both scopes: all three
    // subgraphs in one screen, and the token verified and the operation authorized on every request.
    name: 'CheckoutScreen (3 subgraphs, token)',
    body: request(`query CheckoutScreen {
      me { name email payments(first: 5) { amount status product { name price } } }
      products(first: 10) { name price seller { name } }
    }`),
    headers: {},
    token: { sub: 'u42', scopes: 'read:email read:payments' },
  },
  {
    // The same screen sent as a persisted operation id instead of the document.
    name: 'CheckoutScreen (persisted id, token)',
    body: JSON.stringify({ extensions: { persistedQuery } }),
    register: JSON.stringify({ query: checkout, extensions: { persistedQuery } }),
    headers: {},
    token: { sub: 'u42', scopes: 'read:email read:payments' },
  },
  {
    name: 'products(first: 50) + sellers',
    body: request('query Products { products(first: 50) { name price seller { name } } }'),
    headers: {},
  },
  {
    // The heavy screen: products → seller → products → seller → products, five hops between the
    // product and user subgraphs, about 57 KB of JSON. Anonymous: none of its fields needs a scope.
    name: 'CatalogDeep (5 levels, ~57 KB)',
    body: request(operation('CatalogDeep.graphql')),
    headers: {},
  },
];
