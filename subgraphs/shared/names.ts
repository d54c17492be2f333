/** The subgraphs this repository ships, in the order `npm start` launches them. */
export const SUBGRAPH_NAMES = ['product', 'user', 'payment'] as const;

/** Name of one of the shipped subgraphs; also its folder under `subgraphs/`. */
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Standard ports (docs/architecture.md "Ports"); each subgraph serves `/graphql`. */
export const DEFAULT_PORTS: Readonly<Record<SubgraphName, number>> = Object.freeze({
  product: 4001,
  user: 4002,
  payment: 4003,
});

/** Narrows a string (a CLI argument, a config key) to a {@link SubgraphName}. */
export function isSubgraphName(value: string): value is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(value);
}
