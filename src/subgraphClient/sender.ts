import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from '../context.js';
import type { SendOptions, SubgraphRequest } from './subgraphClient.js';

/** The subgraph client's `send` (retries, breaker and auth headers live there), as the cache and batching wrap it. */
export interface SubgraphSender {
  readonly name: string;
  send(
    request: SubgraphRequest,
    context: GatewayContext | undefined,
    options?: SendOptions,
  ): Promise<GatewayGraphQLResponse>;
  /** The header rules' headers for this subgraph and request (they vary its answers). */
  forwardedHeaders?(context: GatewayContext | undefined): Readonly<Record<string, string>>;
}
