import type http from 'node:http';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode, errorBody } from '../errors.js';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../observability/logger.js';
import { readBody } from './body.js';

/** A route the gateway serves besides `/graphql`; answers with status, headers and a body. */
export type Route = (
  req: IncomingMessage,
  body: string | undefined,
) => Promise<RouteResponse> | RouteResponse;
export interface RouteResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HttpOptions {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  /** Builds the per-request context (authentication happens here); throws a GatewayError to refuse. */
  readonly context: (req: IncomingMessage, requestId: string) => Promise<GatewayContext>;
  /** Extra routes by `METHOD path`. */
  readonly routes: Readonly<Record<string, Route>>;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/**
 * The gateway's HTTP entry: GraphQL over HTTP on `/graphql` through Apollo Server, and the
 * operational routes. Anything unexpected becomes a masked 500 with the request id, logged once.
 */
export function createRequestListener(options: HttpOptions): http.RequestListener {
  const { apollo, log } = options;
  return (req, res) => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    handle(req, res, requestId).catch((error: unknown) => {
      log.error(
        { requestId, err: error instanceof Error ? error.stack : String(error) },
        'unhandled request error',
      );
      if (!res.headersSent)
        send(
          res,
          500,
          JSON_HEADERS,
          errorBody(
            ErrorCode.INTERNAL_SERVER_ERROR,
            `Internal server error (request ${requestId}).`,
          ),
        );
      else res.destroy();
    });
  };

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const method = req.method ?? 'GET';
    const route = options.routes[`${method} ${url.pathname}`];
    if (url.pathname !== '/graphql') {
      if (!route) {
        const known = Object.keys(options.routes).some((key) => key.endsWith(` ${url.pathname}`));
        return known
          ? send(
              res,
              405,
              JSON_HEADERS,
              errorBody(
                ErrorCode.METHOD_NOT_ALLOWED,
                `${method} is not allowed on ${url.pathname}.`,
              ),
            )
          : send(
              res,
              404,
              JSON_HEADERS,
              errorBody(ErrorCode.NOT_FOUND, `Nothing is served at ${url.pathname}.`),
            );
      }
      const body = method === 'POST' ? await readBody(req, options.maxBodyBytes) : undefined;
      if (body && !body.ok) return refuseBody(res, body.reason);
      const answer = await route(req, body?.text);
      return send(res, answer.status, answer.headers ?? JSON_HEADERS, answer.body);
    }
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      return send(
        res,
        405,
        JSON_HEADERS,
        errorBody(ErrorCode.METHOD_NOT_ALLOWED, 'GraphQL accepts GET and POST only.'),
      );
    }

    let body: unknown;
    if (method === 'POST') {
      const raw = await readBody(req, options.maxBodyBytes);
      if (!raw.ok) return refuseBody(res, raw.reason);
      if (isJson(req.headers['content-type'])) {
        try {
          body = JSON.parse(raw.text);
        } catch {
          return send(
            res,
            400,
            JSON_HEADERS,
            errorBody(ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.'),
          );
        }
      } else {
        body = raw.text;
      }
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body },
      context: () => options.context(req, requestId),
    });
    await writeApolloResponse(res, response);
  }
}

function refuseBody(res: ServerResponse, reason: 'too-large' | 'aborted'): void {
  if (reason === 'too-large') {
    res.setHeader('connection', 'close');
    return send(
      res,
      413,
      JSON_HEADERS,
      errorBody(ErrorCode.PAYLOAD_TOO_LARGE, 'The request body is too large.'),
    );
  }
  res.destroy();
}

async function writeApolloResponse(
  res: ServerResponse,
  response: HTTPGraphQLResponse,
): Promise<void> {
  res.statusCode = response.status ?? 200;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function send(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
): void {
  res.writeHead(status, headers);
  res.end(body);
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'application/graphql-response+json';
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}
