import { createPaymentData } from './payment/data.js';
import { createPaymentLoaders } from './payment/loaders.js';
import { paymentResolvers } from './payment/resolvers.js';
import { createProductData } from './product/data.js';
import { createProductLoaders } from './product/loaders.js';
import { productResolvers } from './product/resolvers.js';
import { DEFAULT_PORTS, type SubgraphName } from './shared/names.js';
import { getSeed } from './shared/seed.js';
import { defineSubgraph, type SubgraphDefinition } from './shared/types.js';
import { createUserData } from './user/data.js';
import { createUserLoaders } from './user/loaders.js';
import { userResolvers } from './user/resolvers.js';

export {
  DEFAULT_PORTS,
  SUBGRAPH_NAMES,
  isSubgraphName,
  type SubgraphName,
} from './shared/names.js';
export type { SubgraphDefinition } from './shared/types.js';

/** Every shipped subgraph by name; `startSubgraph` (shared/server.ts) starts one of them. */
export const SUBGRAPHS: Readonly<Record<SubgraphName, SubgraphDefinition>> = Object.freeze({
  product: defineSubgraph({
    name: 'product',
    defaultPort: DEFAULT_PORTS.product,
    createData: (countDataCall) => createProductData(getSeed(), countDataCall),
    createLoaders: createProductLoaders,
    resolvers: productResolvers,
  }),
  user: defineSubgraph({
    name: 'user',
    defaultPort: DEFAULT_PORTS.user,
    createData: (countDataCall) => createUserData(getSeed(), countDataCall),
    createLoaders: createUserLoaders,
    resolvers: userResolvers,
  }),
  payment: defineSubgraph({
    name: 'payment',
    defaultPort: DEFAULT_PORTS.payment,
    createData: (countDataCall) => createPaymentData(getSeed(), countDataCall),
    createLoaders: createPaymentLoaders,
    resolvers: paymentResolvers,
  }),
});
