import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HeaderMap,
  type ApolloServer,
  type BaseContext,
  type HTTPGraphQLRequest,
} from '@apollo/server';
import type { Logger } from 'pino';
import type { StatsRecorder } from './stats.js';
import type { Caller, SubgraphRuntime } from './types.js';

/** Largest accepted request body; entity batches of thousands of representations fit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Request headers as a plain record: lower-case names, repeated values joined with `, `. */
export type HeaderRecord = Readonly<Record<string, string>>;

/**
 * Decides who the caller is from the headers and the request they came with (its query text and
 * variables, which an internal token is bound to); throws (HTTP 401) to refuse the request.
 */
export type Authenticate = (
  headers: HeaderRecord,
  request?: { readonly query: string; readonly variables?: unknown },
) => Promise<Caller | null>;

/** Everything the request handler needs from the server that owns it. */
export interface HandlerDeps {
  readonly apollo: ApolloServer<BaseContext>;
  readonly runtime: SubgraphRuntime;
  readonly stats: StatsRecorder;
  readonly authenticate: Authenticate;
  readonly logger: Logger;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Builds the Node request listener: `/graphql` goes to Apollo Server, `/health` answers 200,
 * anything else 404. Runs once per HTTP request.
 */
export function createRequestHandler(
  deps: HandlerDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  let nextId = 0;
  return (req, res) => {
    const requestId = ++nextId;
    const started = performance.now();
    handle(deps, req, res).then(
      (operationName) =>
        deps.logger.debug(
          {
            requestId,
            method: req.method,
            path: req.url,
            status: res.statusCode,
            operationName,
            durationMs: Math.round((performance.now() - started) * 100) / 100,
          },
          'request',
        ),
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        if (status === 500) deps.logger.error({ requestId, err: error }, 'request failed');
        if (!res.headersSent) {
          const message = error instanceof HttpError ? error.message : 'Internal server error';
          sendJson(res, status, {
            errors: [
              {
                message,
                extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' },
              },
            ],
          });
        } else {
          res.destroy();
        }
      },
    );
  };
}

/** Serves one request; resolves to the operation name (for the log line), if any. */
async function handle(
  deps: HandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<string | undefined> {
  const url = new URL(req.url ?? '/', 'http://subgraph');
  if (url.pathname === '/health') {
    sendJson(res, 200, { status: 'ok' });
    return undefined;
  }
  if (url.pathname !== '/graphql') {
    sendJson(res, 404, {
      errors: [{ message: `Not found: ${url.pathname}; GraphQL is served at /graphql.` }],
    });
    return undefined;
  }
  const headers = toHeaderRecord(req);
  const method = (req.method ?? 'GET').toUpperCase();
  const body = method === 'POST' ? await readBody(req, headers['content-type']) : undefined;
  const params = isRecord(body) ? body : Object.fromEntries(url.searchParams);
  deps.stats.recordRequest({
    query: typeof params.query === 'string' ? params.query : '',
    variables: params.variables,
    headers,
  });

  const httpGraphQLRequest: HTTPGraphQLRequest = {
    method,
    headers: new HeaderMap(Object.entries(headers)),
    search: url.search,
    body,
  };
  const response = await deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest,
    // why: authentication runs as Apollo's context factory, so a refusal is formatted like any
    // GraphQL error and its `extensions.http.status` (401) becomes the response status.
    context: async () =>
      deps.runtime.createContext(
        await deps.authenticate(headers, {
          query: typeof params.query === 'string' ? params.query : '',
          variables: params.variables,
        }),
        headers,
      ),
  });

  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
  } else {
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
  return typeof params.operationName === 'string' ? params.operationName : undefined;
}

function toHeaderRecord(req: IncomingMessage): HeaderRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Reads the body; JSON bodies are parsed, others passed on as text for Apollo to refuse. */
async function readBody(req: IncomingMessage, contentType: string | undefined): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!contentType?.toLowerCase().includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Malformed JSON request body.');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(payload));
}
