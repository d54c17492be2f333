import DataLoader from 'dataloader';
import type { SeedUser } from '../shared/seed.js';
import type { UserData } from './data.js';

/** Per-request DataLoaders of the user subgraph. */
export interface UserLoaders {
  readonly userById: DataLoader<string, SeedUser | null>;
}

/** Creates fresh loaders; called once per request, never shared. */
export function createUserLoaders(data: UserData): UserLoaders {
  return {
    userById: new DataLoader((ids) => Promise.resolve(data.usersByIds(ids))),
  };
}
