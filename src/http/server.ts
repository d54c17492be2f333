import type http from 'node:http';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import vary from 'vary';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode, errorBody } from '../errors.js';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { recordRefusal, wasLogged } from '../observability/requestLog.js';
import { withServerSpan } from '../observability/tracing.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH, readBody } from './body.js';
import { tooManyHeaders } from './hardening.js';
import { allowedMethods, routeKey } from './methods.js';
import {
  callerHeaders,
  sharedCacheable,
  varyWithAccept,
  withoutCallerParts,
} from './sharedCache.js';

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
  /** Apollo Server, asked per request (so the HTTP layer can be wired before it is built). */
  readonly apollo: () => ApolloServer<GatewayContext>;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  /**
   * Builds the per-request context (authentication happens here); throws a GatewayError to refuse.
   * `deadline` aborts when the request's overall deadline passes (its client gets a 504).
   */
  readonly context: (
    req: IncomingMessage,
    requestId: string,
    deadline: AbortSignal,
  ) => Promise<GatewayContext>;
  /** Extra routes by `METHOD path`. */
  readonly routes: Readonly<Record<string, Route>>;
  /** Rewrites or refuses a GraphQL request before Apollo Server parses it (persisted operations). */
  readonly gate?: (input: {
    method: string;
    body: unknown;
    search: string;
  }) => { ok: true; body: unknown; search: string } | { ok: false; status: number; body: string };
  /** Overall deadline of a GraphQL request, in milliseconds; 504 `GATEWAY_TIMEOUT` after it. */
  readonly requestTimeoutMs?: number;
  /** Counts refusals made before Apollo Server's plugins run (`operation="none"`). */
  readonly metrics?: GatewayMetrics;
  /** GraphQL requests in flight at once; beyond it, a fast 503 with `Retry-After: 1`. */
  readonly maxInFlight?: number;
}

/** The request listener, and whether it shed load recently (readiness reports unready). */
export type GatewayRequestListener = http.RequestListener & { overloaded(): boolean };

/** After shedding, `/ready` fails this long, so balancers move traffic away (Router: 10 s). */
const OVERLOAD_UNREADY_MS = 5_000;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/**
 * The gateway's HTTP entry: GraphQL over HTTP on `/graphql` through Apollo Server, and the
 * operational routes. Anything unexpected becomes a masked 500 with the request id, logged once.
 */
export function createRequestListener(options: HttpOptions): GatewayRequestListener {
  const { apollo, log } = options;
  const maxInFlight = options.maxInFlight ?? Infinity;
  let inFlight = 0;
  let lastShedAt = -Infinity;
  /** Logs and counts a refusal that no plugin saw (REJECT convention of docs/security.md). */
  const record = (requestId: string, status: number, body: string, reason: string): void => {
    if (!options.metrics) return;
    recordRefusal(options.metrics, log, { requestId, status, code: codeOf(body), reason });
  };
  /** Answers a refusal made by the HTTP layer itself, logged and counted. */
  const refuse = (
    res: ServerResponse,
    requestId: string,
    status: number,
    body: string,
    reason: string,
  ): void => {
    record(requestId, status, body, reason);
    send(res, status, JSON_HEADERS, body);
  };
  const listener: http.RequestListener = (req, res) => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    if (tooManyHeaders(req)) {
      res.setHeader('connection', 'close');
      return refuse(
        res,
        requestId,
        431,
        errorBody(ErrorCode.BAD_REQUEST, 'The request has too many header fields.'),
        'too many headers',
      );
    }
    const graphql = (req.url ?? '/').split('?', 1)[0] === '/graphql';
    if (graphql && inFlight >= maxInFlight) {
      // why: a fast refusal beats queueing until every request times out (case 130).
      lastShedAt = Date.now();
      res.setHeader('retry-after', '1');
      return refuse(
        res,
        requestId,
        503,
        errorBody(ErrorCode.SERVICE_UNAVAILABLE, 'The gateway is overloaded; retry shortly.'),
        'overloaded',
      );
    }
    if (graphql) {
      inFlight += 1;
      res.once('close', () => (inFlight -= 1));
    }
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
  const overloaded = () => Date.now() - lastShedAt < OVERLOAD_UNREADY_MS;
  return Object.assign(listener, { overloaded });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const method = req.method ?? 'GET';
    const key = routeKey(options.routes, method, url.pathname);
    const route = key === undefined ? undefined : options.routes[key];
    if (url.pathname !== '/graphql') {
      if (!route) {
        const allow = allowedMethods(options.routes, url.pathname);
        return allow
          ? send(
              res,
              405,
              { ...JSON_HEADERS, allow },
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
      if (body && !body.ok) return refuseBody(res, body.reason, requestId);
      const answer = await route(req, body?.text);
      return send(res, answer.status, answer.headers ?? JSON_HEADERS, answer.body);
    }
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      return refuse(
        res,
        requestId,
        405,
        errorBody(ErrorCode.METHOD_NOT_ALLOWED, 'GraphQL accepts GET and POST only.'),
        'method',
      );
    }

    let body: unknown;
    if (method === 'POST') {
      const raw = await readBody(req, options.maxBodyBytes);
      if (!raw.ok) return refuseBody(res, raw.reason, requestId);
      if (isJson(req.headers['content-type'])) {
        // why: JSON.parse and later walks over variables recurse; refuse deep nesting first.
        if (jsonDepthExceeds(raw.text))
          return refuse(
            res,
            requestId,
            400,
            errorBody(
              ErrorCode.BAD_REQUEST,
              `The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels.`,
            ),
            'json too deep',
          );
        try {
          body = JSON.parse(raw.text);
        } catch {
          return refuse(
            res,
            requestId,
            400,
            errorBody(ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.'),
            'invalid json',
          );
        }
      } else {
        body = raw.text;
      }
    }

    let search = url.search;
    if (options.gate) {
      const gated = options.gate({ method, body, search });
      if (!gated.ok) return refuse(res, requestId, gated.status, gated.body, 'persisted gate');
      ({ body, search } = gated);
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    await withServerSpan(req.headers, `${method} /graphql`, async (span) => {
      // why: the deadline covers planning and execution; the body already arrived (requestTimeout).
      const deadline = new AbortController();
      const timeoutMs = options.requestTimeoutMs ?? 30_000;
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      let contextValue: GatewayContext | undefined;
      try {
        const execution = apollo().executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method, headers, search, body },
          context: async () => {
            const context = await options.context(req, requestId, deadline.signal);
            contextValue = context;
            return context;
          },
        });
        const response = await untilDeadline(execution, deadline.signal);
        if (response) {
          // Refused before the plugins ran (batch, CSRF, envelope, context): log and count here.
          if (!wasLogged(contextValue) && response.body.kind === 'complete')
            record(requestId, response.status ?? 200, response.body.string, 'graphql envelope');
          return await writeApolloResponse(res, response, method);
        }
        log.warn({ requestId, timeoutMs }, 'request deadline passed');
        // why: execution winds down on its own (its fetches abort on the same signal); a late
        // failure of it must not become an unhandled rejection.
        execution.catch(() => undefined);
        res.setHeader('connection', 'close');
        send(
          res,
          504,
          JSON_HEADERS,
          errorBody(
            ErrorCode.GATEWAY_TIMEOUT,
            `The request did not complete within ${timeoutMs} ms.`,
          ),
        );
      } finally {
        clearTimeout(timer);
        span.setAttribute('http.response.status_code', res.statusCode);
      }
    });
  }

  function refuseBody(
    res: ServerResponse,
    reason: 'too-large' | 'aborted',
    requestId: string,
  ): void {
    if (reason === 'too-large') {
      res.setHeader('connection', 'close');
      return refuse(
        res,
        requestId,
        413,
        errorBody(ErrorCode.PAYLOAD_TOO_LARGE, 'The request body is too large.'),
        'body too large',
      );
    }
    res.destroy();
  }
}

/** `errors[0].extensions.code` of a JSON error body, or `OK`/`OTHER`. */
function codeOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    const code = parsed.errors?.[0]?.extensions?.code;
    if (typeof code === 'string') return code;
    return parsed.errors ? 'OTHER' : 'OK';
  } catch {
    return 'OTHER';
  }
}

/** The execution's response, or `undefined` once the deadline passes first. */
function untilDeadline<T>(execution: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const expire = () => resolve(undefined);
    signal.addEventListener('abort', expire, { once: true });
    execution.then(
      (value) => {
        signal.removeEventListener('abort', expire);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', expire);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

async function writeApolloResponse(
  res: ServerResponse,
  response: HTTPGraphQLResponse,
  method: string,
): Promise<void> {
  res.statusCode = response.status ?? 200;
  for (const [name, value] of response.headers) if (name !== 'vary') res.setHeader(name, value);
  // The media type (and the landing page) is chosen by `Accept`: caches must key on it.
  // why vary() appends: CORS (`Origin`) and compression (`Accept-Encoding`) named theirs already.
  vary(res, varyWithAccept(response.headers.get('vary')));
  // why: a shared cache would hand the first caller's budget and request id to everyone.
  const shared = sharedCacheable(method, response.headers.get('cache-control'));
  if (shared) for (const name of callerHeaders) res.removeHeader(name);
  if (response.body.kind === 'complete') {
    res.end(shared ? withoutCallerParts(response.body.string) : response.body.string);
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
