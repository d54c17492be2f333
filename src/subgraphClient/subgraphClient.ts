import { Pool, errors as undiciErrors } from 'undici';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { ErrorCode } from '../errors.js';
import type { GatewayContext } from '../context.js';
import type { GatewayMetrics } from '../observability/metrics.js';

export interface SubgraphClientOptions {
  readonly name: string;
  readonly url: string;
  /** Per request, in milliseconds; `@apollo/gateway`'s own data source has none. */
  readonly timeoutMs: number;
  /** Keep-alive connections in this subgraph's pool. */
  readonly connections: number;
  readonly metrics: GatewayMetrics;
  /** Extra headers for a request (the internal token, trace context). */
  readonly headers?: (
    context: GatewayContext | undefined,
  ) => Promise<Record<string, string>> | Record<string, string>;
}

/** One GraphQL request to a subgraph, as the query plan's fetch node describes it. */
export interface SubgraphRequest {
  readonly query: string;
  readonly variables: Record<string, unknown> | undefined;
  readonly operationName: string | undefined;
}

/**
 * Sends fetches to one subgraph over a keep-alive pool. Failures never throw: they come back as
 * GraphQL errors with a gateway code and `serviceName`, so `@apollo/gateway` gives them the paths of
 * the fetch and the rest of the plan carries on (partial data). No URL or body reaches the client.
 */
export class SubgraphClient implements GraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly pool: Pool;
  private readonly path: string;

  constructor(private readonly options: SubgraphClientOptions) {
    this.name = options.name;
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const context = 'incomingRequestContext' in options ? options.context : undefined;
    return this.send(
      {
        query: request.query ?? '',
        variables: request.variables,
        operationName: request.operationName,
      },
      context,
    );
  }

  /** Sends one request; the cache and other wrappers call this directly. */
  async send(
    request: SubgraphRequest,
    context: GatewayContext | undefined,
  ): Promise<GatewayGraphQLResponse> {
    const { metrics, name, timeoutMs } = this.options;
    const stopTimer = metrics.subgraphDuration.startTimer({ subgraph: name });
    try {
      const extraHeaders = (await this.options.headers?.(context)) ?? {};
      const response = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...extraHeaders,
        },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.body.text();
      const parsed = parseGraphQLResponse(text);
      if (!parsed) {
        metrics.subgraphRequests.inc({ subgraph: name, outcome: 'invalid' });
        context?.log.warn(
          { subgraph: name, status: response.statusCode },
          'subgraph returned a non-GraphQL response',
        );
        return failure(
          ErrorCode.DOWNSTREAM_SERVICE_ERROR,
          `The ${name} subgraph returned an invalid response (HTTP ${response.statusCode}).`,
          name,
        );
      }
      metrics.subgraphRequests.inc({
        subgraph: name,
        outcome: response.statusCode < 400 ? 'ok' : 'error',
      });
      if (response.statusCode >= 400 && !parsed.errors?.length) {
        return failure(
          ErrorCode.DOWNSTREAM_SERVICE_ERROR,
          `The ${name} subgraph answered HTTP ${response.statusCode}.`,
          name,
        );
      }
      return parsed;
    } catch (error) {
      const timedOut = isTimeout(error);
      metrics.subgraphRequests.inc({
        subgraph: name,
        outcome: timedOut ? 'timeout' : 'unavailable',
      });
      context?.log.warn({ subgraph: name, err: describe(error) }, 'subgraph request failed');
      return timedOut
        ? failure(
            ErrorCode.SUBGRAPH_TIMEOUT,
            `The ${name} subgraph did not answer within ${timeoutMs} ms.`,
            name,
          )
        : failure(ErrorCode.SUBGRAPH_UNAVAILABLE, `The ${name} subgraph is unavailable.`, name);
    } finally {
      stopTimer();
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function parseGraphQLResponse(text: string): GatewayGraphQLResponse | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { data, errors } = body as Record<string, unknown>;
  if (data === undefined && errors === undefined) return undefined;
  if (errors !== undefined && !Array.isArray(errors)) return undefined;
  return body;
}

function failure(code: ErrorCode, message: string, serviceName: string): GatewayGraphQLResponse {
  return {
    errors: [{ message, extensions: { code, serviceName } }],
  };
}

function isTimeout(error: unknown): boolean {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  )
    return true;
  const name = (error as { name?: string } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
