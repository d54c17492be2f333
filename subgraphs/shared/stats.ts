/** How many of the latest requests {@link SubgraphStats.received} keeps. */
export const RECEIVED_LIMIT = 200;

/** One GraphQL HTTP request as the subgraph received it. */
export interface ReceivedRequest {
  /** The `query` of the body (POST) or the URL (GET); `''` if absent. */
  readonly query: string;
  readonly variables: unknown;
  /** Request headers, lower-case names, repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Counters a test (or benchmark) reads to see what reached a subgraph. */
export interface SubgraphStats {
  /** GraphQL HTTP requests received (`/graphql` only). */
  requests: number;
  /** Data-layer calls: each DataLoader batch function call, list query or mutation counts 1. */
  dataCalls: number;
  /** The last {@link RECEIVED_LIMIT} requests, newest last. */
  readonly received: ReceivedRequest[];
  /** Zeroes the counters and forgets received requests. */
  reset(): void;
}

/** A {@link SubgraphStats} plus the recording side used by the server. */
export interface StatsRecorder extends SubgraphStats {
  /** Counts one request and remembers it. */
  readonly recordRequest: (request: ReceivedRequest) => void;
  /** Counts one data-layer call; handed to the data layer as its counter (safe to detach). */
  readonly countDataCall: () => void;
}

/** Creates empty stats for one subgraph server. */
export function createStats(): StatsRecorder {
  const stats: StatsRecorder = {
    requests: 0,
    dataCalls: 0,
    received: [],
    reset() {
      stats.requests = 0;
      stats.dataCalls = 0;
      stats.received.length = 0;
    },
    recordRequest(request) {
      stats.requests += 1;
      stats.received.push(request);
      if (stats.received.length > RECEIVED_LIMIT) stats.received.shift();
    },
    countDataCall() {
      stats.dataCalls += 1;
    },
  };
  return stats;
}
