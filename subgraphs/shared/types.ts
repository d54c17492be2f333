import type {
  GraphQLResolverMap,
  GraphQLSchemaModule,
} from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { SubgraphName } from './names.js';
import { languageOf } from './language.js';
import type { Language } from './seed.js';

/** The verified caller of a request, as the gateway's internal token describes it. */
export interface Caller {
  readonly sub: string;
  readonly scopes: readonly string[];
}

/** Per-request GraphQL context of every subgraph. `loaders` are created for each request. */
export interface SubgraphContext<TLoaders> {
  readonly caller: Caller | null;
  /** The request's language (`Accept-Language`), for localized fields. */
  readonly language: Language;
  readonly loaders: TLoaders;
}

/** Called once per data-layer call (one DataLoader batch, one list query, one mutation). */
export type DataCallCounter = () => void;

/** Resolver map of one subgraph, typed by its context. */
export type SubgraphResolvers<TLoaders> = GraphQLResolverMap<SubgraphContext<TLoaders>>;

/**
 * What one started subgraph needs: its resolvers and a context factory. Built once per server by
 * {@link SubgraphDefinition.create}, so data (and mutations of it) live as long as that server.
 */
export interface SubgraphRuntime {
  /** Typed for `buildSubgraphSchema`, which takes any context. */
  readonly resolvers: NonNullable<GraphQLSchemaModule['resolvers']>;
  /** Runs once per HTTP request, after authentication; `headers` are the request's (lower case). */
  createContext(
    caller: Caller | null,
    headers: Readonly<Record<string, string>>,
  ): SubgraphContext<unknown>;
}

/** A registered subgraph: its name, standard port and how to build its runtime. */
export interface SubgraphDefinition {
  readonly name: SubgraphName;
  readonly defaultPort: number;
  /** Builds a fresh data layer (counting calls with `countDataCall`) and the runtime over it. */
  create(countDataCall: DataCallCounter): SubgraphRuntime;
}

/** The typed parts of a subgraph, before {@link defineSubgraph} erases the data and loader types. */
export interface SubgraphParts<TData, TLoaders> {
  readonly name: SubgraphName;
  readonly defaultPort: number;
  createData(countDataCall: DataCallCounter): TData;
  /** Per request: DataLoaders must never be shared between requests (callers, caches). */
  createLoaders(data: TData): TLoaders;
  readonly resolvers: SubgraphResolvers<TLoaders>;
}

/** Ties a subgraph's data layer, loaders and resolvers together, type-checked against each other. */
export function defineSubgraph<TData, TLoaders>(
  parts: SubgraphParts<TData, TLoaders>,
): SubgraphDefinition {
  return {
    name: parts.name,
    defaultPort: parts.defaultPort,
    create(countDataCall) {
      const data = parts.createData(countDataCall);
      return {
        // The resolvers only ever receive the context built just below.
        resolvers: parts.resolvers,
        createContext: (caller, headers) => ({
          caller,
          language: languageOf(headers['accept-language']),
          loaders: parts.createLoaders(data),
        }),
      };
    },
  };
}
