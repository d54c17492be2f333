import type { ManifestOperation } from '../persisted/manifest.js';

/** One published version of one subgraph's schema. Immutable once stored. */
export interface SubgraphVersion {
  readonly name: string;
  /** 1, 2, 3… per subgraph, in publish order. */
  readonly version: number;
  readonly sdl: string;
  /** Where the gateway sends this subgraph's fetches. */
  readonly url: string;
  readonly commit?: string;
  readonly author?: string;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** A composed supergraph; its id is the SHA-256 (hex) of its SDL. Immutable once stored. */
export interface SupergraphRecord {
  readonly id: string;
  readonly sdl: string;
  /** The subgraph versions it was composed from. */
  readonly subgraphs: readonly { readonly name: string; readonly version: number }[];
  readonly createdAt: string;
}

/** One change of the current supergraph: a publish or a rollback, newest last. */
export interface Activation {
  readonly seq: number;
  readonly supergraphId: string;
  readonly action: 'publish' | 'rollback';
  /** The subgraph whose publish made it current. */
  readonly subgraph?: string;
  /** The `sub` of the token that made the change. */
  readonly actor: string;
  readonly at: string;
}

/** A frontend screen's operation, registered so every schema change is checked against it. */
export type RegisteredOperation = ManifestOperation;

/** What a publish, rollback or operation registration reads, under the store's write lock. */
export interface RegistryState {
  /** The current supergraph; undefined until the first publish. */
  readonly current: SupergraphRecord | undefined;
  /** The subgraph versions the current supergraph was composed from. */
  readonly subgraphs: readonly SubgraphVersion[];
  /** Highest stored version per subgraph name (also of versions no longer current). */
  readonly latestVersions: ReadonlyMap<string, number>;
  readonly operations: readonly RegisteredOperation[];
}

/** What one locked update stores, all or nothing. */
export interface RegistryChanges {
  readonly subgraphVersion?: Omit<SubgraphVersion, 'createdAt'>;
  readonly supergraph?: Omit<SupergraphRecord, 'createdAt'>;
  readonly activate?: Omit<Activation, 'seq' | 'at'>;
  /** Operations to add or replace, by name. */
  readonly operations?: readonly RegisteredOperation[];
}

/** Where the registry keeps its history: PostgreSQL or a local directory. */
export interface RegistryStore {
  /**
   * Runs `update` on the current state while holding the store's write lock (so publishes of
   * different subgraphs are composed one after the other, each with the other's schema), then
   * stores what it returns atomically.
   */
  transact<T>(
    update: (state: RegistryState) => Promise<{ changes?: RegistryChanges; result: T }>,
  ): Promise<T>;
  /** The current state, without the lock (reads and checks). */
  state(): Promise<RegistryState>;
  /** The id of the current supergraph (cheap: what every gateway poll asks). */
  currentId(): Promise<string | undefined>;
  supergraph(id: string): Promise<SupergraphRecord | undefined>;
  versions(name: string): Promise<SubgraphVersion[]>;
  /** Every activation, oldest first. */
  history(): Promise<Activation[]>;
  close(): Promise<void>;
}

/** Subgraph names: letters, digits, `_` and `-`, starting with a letter (they name files). */
export const SUBGRAPH_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
