import type { GatewayContext } from '../context.js';
import type { ResponsePart } from '../respond.js';

/**
 * Which subgraphs failed while serving a request (unreachable, timed out, refused by an open
 * circuit, or answering garbage), so the response can say so in `extensions.degradedSubgraphs`.
 * A client (or a dashboard) then tells "partial because a subgraph is down" from "partial because
 * of authorization" without parsing error messages.
 */

/** Records that a fetch of `subgraph` failed for the request of `context` (the subgraph client). */
export function markDegraded(context: GatewayContext | undefined, subgraph: string): void {
  context?.state.degradedSubgraphs.add(subgraph);
}

/** The subgraphs marked for the request, sorted; empty when every fetch succeeded. */
export function degradedSubgraphsOf(context: GatewayContext): readonly string[] {
  return [...context.state.degradedSubgraphs].sort();
}

/** Its part of responses with at least one failed subgraph: `extensions.degradedSubgraphs`. */
export const degradedSubgraphsPart: ResponsePart = {
  name: 'degradedSubgraphs',
  contribute(context) {
    const names = degradedSubgraphsOf(context);
    return names.length > 0 ? { extensions: { degradedSubgraphs: names } } : undefined;
  },
};
