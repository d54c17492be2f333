import { checkOwner } from '../shared/ownership.js';
import type { SeedUser } from '../shared/seed.js';
import type { SubgraphContext, SubgraphResolvers } from '../shared/types.js';
import type { UserLoaders } from './loaders.js';

type Context = SubgraphContext<UserLoaders>;

/**
 * Resolvers of `subgraphs/user/schema.graphql`. The gateway removes `email` for callers without
 * `read:email` (which kind of data); this subgraph decides whose: `email` resolves only for the
 * caller's own user or staff (`shared/ownership.ts`), on every path, `_entities` included.
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
    email: (user: SeedUser, _args: unknown, { caller }: Context) => {
      checkOwner(caller, user.id, 'email');
      return user.email;
    },
  },
};
