import type { Seed, SeedUser } from '../shared/seed.js';
import type { DataCallCounter } from '../shared/types.js';

/** The user subgraph's data layer; every method call counts one data call. */
export interface UserData {
  /** Users by id, aligned with `ids`; `null` for unknown ids. */
  usersByIds(ids: readonly string[]): (SeedUser | null)[];
}

/** Builds the data layer over the (read-only) seed users and their id index. */
export function createUserData(seed: Seed, countDataCall: DataCallCounter): UserData {
  return {
    usersByIds(ids) {
      countDataCall();
      return ids.map((id) => seed.userById.get(id) ?? null);
    },
  };
}
