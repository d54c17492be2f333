import type { GraphQLDataSource } from '@apollo/gateway';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { DirectiveIndex } from '../supergraph/directiveIndex.js';
import { fetchCost } from './actual.js';

/** Parsed fetch operations kept when a data source is handed only the query text. */
const PARSED_ENTRIES = 500;

/** What the cost of a request's fetches is worked out against. */
export interface LedgerScope {
  readonly schema: GraphQLSchema;
  readonly index: DirectiveIndex;
  readonly defaultListSize: number;
}

/** A request's fetches so far. */
export interface LedgerTotal {
  /** Sum of the fetches' actual costs (`fetchCost`), never less than the number of fetches. */
  readonly cost: number;
  readonly fetches: number;
}

/**
 * Per request, the actual cost of every subgraph fetch it ran, recorded by a wrapper around each
 * data source as the answer arrives (before the executor merges it or propagates nulls), whichever
 * executor runs the plan, into the request's state (`RequestState.fetchCost`). Only requests the
 * cost step opened are recorded (not warm-ups, not refused ones).
 */
export interface FetchLedger {
  open(context: GatewayContext, scope: LedgerScope): void;
  /** The request's fetches; undefined when it was never opened. */
  total(context: GatewayContext): LedgerTotal | undefined;
  /** The data source with every fetch it answers recorded. */
  wrap(dataSource: GraphQLDataSource<GatewayContext>): GraphQLDataSource<GatewayContext>;
}

/** A request's fetches so far, as recorded (`RequestState.fetchCost`). */
export interface FetchTally {
  readonly scope: LedgerScope;
  cost: number;
  fetches: number;
}

export function createFetchLedger(): FetchLedger {
  const parsed = new Map<string, DocumentNode>();
  const documentOf = (query: string, given: DocumentNode | undefined): DocumentNode => {
    if (given) return given;
    let document = parsed.get(query);
    if (!document) {
      document = parse(query);
      if (parsed.size >= PARSED_ENTRIES) parsed.delete(parsed.keys().next().value!);
      parsed.set(query, document);
    }
    return document;
  };
  const record = (
    entry: FetchTally,
    request: { query?: string; operationName?: string; variables?: Record<string, unknown> },
    given: DocumentNode | undefined,
    data: Record<string, unknown> | null | undefined,
    failed: boolean,
  ) => {
    entry.fetches += 1;
    let cost = 0;
    try {
      if (request.query || given)
        cost = fetchCost({
          ...entry.scope,
          document: documentOf(request.query ?? '', given),
          operationName: request.operationName,
          variables: request.variables ?? {},
          data,
          failed,
        });
    } catch {
      // a fetch the gateway cannot read back still ran: the floor of one point per fetch holds
    }
    entry.cost = Math.min(entry.cost + cost, Number.MAX_SAFE_INTEGER);
  };
  return {
    open(context, scope) {
      context.state.fetchCost = { scope, cost: 0, fetches: 0 };
    },
    total(context) {
      const entry = context.state.fetchCost;
      return entry && { cost: Math.max(entry.cost, entry.fetches), fetches: entry.fetches };
    },
    wrap(dataSource) {
      return {
        async process(options) {
          const entry =
            'incomingRequestContext' in options ? options.context.state.fetchCost : undefined;
          if (!entry) return dataSource.process(options);
          const given = 'document' in options ? options.document : undefined;
          try {
            const response = await dataSource.process(options);
            record(
              entry,
              options.request,
              given,
              response.data,
              !response.data || !!response.errors?.length,
            );
            return response;
          } catch (error) {
            record(entry, options.request, given, undefined, true);
            throw error;
          }
        },
      };
    },
  };
}
