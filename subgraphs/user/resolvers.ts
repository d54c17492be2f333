import type { SubgraphContext, SubgraphResolvers } from '../shared/types.js';
import type { UserLoaders } from './loaders.js';

type Context = SubgraphContext<UserLoaders>;

/**
 * Resolvers of `subgraphs/user/schema.graphql`. `email` is returned as is: the gateway removes
 * it for callers without `read:email` before the query reaches this subgraph.
 */
export const userResolvers: SubgraphResolvers<UserLoaders> = {
  Query: {
    me: (_: unknown, _args: unknown, { caller, loaders }: Context) =>
      caller === null ? null : loaders.userById.load(caller.sub),
    user: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.userById.load(id),
  },
  User: {
    __resolveReference: (ref: { id: string }, { loaders }: Context) =>
      loaders.userById.load(ref.id),
  },
};
