/** The benchmark's screens: each one GraphQL request, as a frontend sends it. */
export interface Workload {
  readonly name: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

const request = (query: string) => JSON.stringify({ query });

export const WORKLOADS: readonly Workload[] = [
  {
    // A user with their payments and each payment's product, beside a product list with sellers:
    // all three subgraphs in one screen.
    name: 'screen (3 subgraphs)',
    body: request(`query Screen {
      user(id: "u42") { name payments(first: 5) { amount status product { name price } } }
      products(first: 10) { name price seller { name } }
    }`),
    headers: {},
  },
  {
    name: 'products(first: 50) + sellers',
    body: request('query Products { products(first: 50) { name price seller { name } } }'),
    headers: {},
  },
];
