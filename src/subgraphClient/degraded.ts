import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';

/**
 * Which subgraphs failed while serving a request (unreachable, timed out, refused by an open
 * circuit, or answering garbage), so the response can say so in `extensions.degradedSubgraphs`.
 * A client (or a dashboard) then tells "partial because a subgraph is down" from "partial because
 * of authorization" without parsing error messages.
 */
export interface DegradedSubgraphs {
  /** Called by the subgraph client when a fetch for `context` failed. */
  mark(context: GatewayContext | undefined, subgraph: string): void;
  /** The names marked for `context`, sorted; empty when every fetch succeeded. */
  of(context: GatewayContext): readonly string[];
  /** Adds `extensions.degradedSubgraphs` to responses with at least one failed subgraph. */
  readonly plugin: ApolloServerPlugin<GatewayContext>;
}

export function createDegradedSubgraphs(): DegradedSubgraphs {
  // why: a WeakMap keyed by the request's context, so nothing outlives the request.
  const failed = new WeakMap<GatewayContext, Set<string>>();
  const of = (context: GatewayContext) => [...(failed.get(context) ?? [])].sort();
  return {
    mark(context, subgraph) {
      if (!context) return;
      let names = failed.get(context);
      if (!names) failed.set(context, (names = new Set()));
      names.add(subgraph);
    },
    of,
    plugin: {
      requestDidStart: () =>
        Promise.resolve({
          willSendResponse({ contextValue, response }) {
            const names = of(contextValue);
            if (names.length > 0 && response.body.kind === 'single') {
              const result = response.body.singleResult;
              result.extensions = { ...result.extensions, degradedSubgraphs: names };
            }
            return Promise.resolve();
          },
        }),
    },
  };
}
