import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../http/body.js';
import type { TokenVerifier } from '../auth/verifier.js';
import type { Logger } from '../observability/logger.js';
import { mayAct, type RegistryAction } from './access.js';
import { SUBGRAPH_NAME, type RegistryStore } from './model.js';
import { badInput, type Outcome, type Proposal, type RegistryService } from './service.js';

export interface RegistryServer {
  /** Listens; resolves with the base URL (`http://host:port`). */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
  readonly httpServer: http.Server;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

interface Call {
  readonly body: () => Promise<unknown>;
  readonly actor: string;
  readonly ifNoneMatch: string | undefined;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> } | Outcome;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly action: (params: string[]) => RegistryAction;
  readonly handle: (params: string[], call: Call) => Promise<Reply>;
}

/**
 * The registry's HTTP API. Every route needs a valid bearer token (401 `UNAUTHENTICATED`); writes
 * need their scope (403 `FORBIDDEN`, see `access.ts`). Answers JSON, except `GET /supergraph`
 * (the SDL, with `ETag: "<id>"`; `If-None-Match` gives 304).
 */
export function createRegistryServer(deps: {
  store: RegistryStore;
  service: RegistryService;
  verifier: TokenVerifier;
  log: Logger;
}): RegistryServer {
  const { store, service, verifier, log } = deps;
  const proposal = async (call: Call): Promise<Proposal | Outcome> => {
    const value = (await call.body()) as Partial<Record<keyof Proposal, unknown>> | undefined;
    if (typeof value?.sdl !== 'string' || value.sdl.trim() === '')
      return badInput('body needs "sdl": the subgraph schema');
    if (typeof value.url !== 'string' || !URL.canParse(value.url))
      return badInput('body needs "url": the URL the gateway sends this subgraph\'s fetches to');
    for (const key of ['commit', 'author'] as const)
      if (value[key] !== undefined && typeof value[key] !== 'string')
        return badInput(`"${key}" must be a string`);
    return {
      sdl: value.sdl,
      url: value.url,
      ...(typeof value.commit === 'string' ? { commit: value.commit } : {}),
      ...(typeof value.author === 'string' ? { author: value.author } : {}),
    };
  };
  const isOutcome = (v: Proposal | Outcome): v is Outcome => 'status' in v;

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/supergraph$/,
      action: () => ({ kind: 'read' }),
      async handle(_, call) {
        const id = await store.currentId();
        if (!id) return notFound('nothing published yet');
        const etag = `"${id}"`;
        if (call.ifNoneMatch?.split(/\s*,\s*/).includes(etag))
          return { status: 304, body: undefined, headers: { etag } };
        const record = await store.supergraph(id);
        if (!record) return notFound('nothing published yet');
        return {
          status: 200,
          body: record.sdl,
          headers: { etag, 'content-type': 'text/plain; charset=utf-8' },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/subgraphs$/,
      action: () => ({ kind: 'read' }),
      async handle() {
        const state = await store.state();
        return {
          status: 200,
          body: { supergraphId: state.current?.id, subgraphs: state.subgraphs },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/subgraphs\/([^/]+)\/versions$/,
      action: () => ({ kind: 'read' }),
      async handle([name]) {
        const versions = await store.versions(name!);
        return versions.length
          ? { status: 200, body: { versions } }
          : notFound(`no subgraph ${name}`);
      },
    },
    {
      method: 'GET',
      pattern: /^\/supergraphs$/,
      action: () => ({ kind: 'read' }),
      async handle() {
        const history = await store.history();
        const withSubgraphs = await Promise.all(
          history.map(async (a) => ({
            ...a,
            subgraphs: (await store.supergraph(a.supergraphId))?.subgraphs ?? [],
          })),
        );
        return { status: 200, body: { history: withSubgraphs } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/subgraphs\/([^/]+)\/check$/,
      action: ([subgraph]) => ({ kind: 'publish', subgraph: subgraph! }),
      async handle([name], call) {
        const p = await proposal(call);
        return isOutcome(p) ? p : service.check(name!, p);
      },
    },
    {
      method: 'POST',
      pattern: /^\/subgraphs\/([^/]+)\/publish$/,
      action: ([subgraph]) => ({ kind: 'publish', subgraph: subgraph! }),
      async handle([name], call) {
        const p = await proposal(call);
        if (isOutcome(p)) return p;
        const outcome = await service.publish(name!, p, call.actor);
        log.info({ subgraph: name, actor: call.actor, status: outcome.status }, 'publish');
        return outcome;
      },
    },
    {
      method: 'POST',
      pattern: /^\/operations$/,
      action: () => ({ kind: 'operations' }),
      async handle(_, call) {
        return service.registerOperations(await call.body());
      },
    },
    {
      method: 'POST',
      pattern: /^\/supergraph\/rollback$/,
      action: () => ({ kind: 'admin' }),
      async handle(_, call) {
        const value = (await call.body()) as { supergraphId?: unknown } | undefined;
        if (typeof value?.supergraphId !== 'string')
          return badInput('body needs "supergraphId": the id of a stored supergraph');
        const outcome = await service.rollback(value.supergraphId, call.actor);
        log.info({ supergraphId: value.supergraphId, actor: call.actor }, 'rollback');
        return outcome;
      },
    },
  ];

  const handle = async (req: http.IncomingMessage): Promise<Reply> => {
    const pathname = new URL(req.url ?? '/', 'http://registry').pathname;
    if (req.method === 'GET' && pathname === '/health')
      return { status: 200, body: { status: 'ok' } };
    const matches = routes.flatMap((route) => {
      const match = route.pattern.exec(pathname);
      return match ? [{ route, params: match.slice(1).map(safeDecode) }] : [];
    });
    if (matches.length === 0) return notFound(`no route ${pathname}`);
    const found = matches.find((m) => m.route.method === req.method);
    if (!found)
      return error(405, 'METHOD_NOT_ALLOWED', `${pathname} takes ${matches[0]!.route.method}`, {
        allow: matches.map((m) => m.route.method).join(', '),
      });
    const { route, params } = found;
    if (params.some((p) => !SUBGRAPH_NAME.test(p)))
      return badInput('a subgraph name is letters, digits, _ and -, starting with a letter');
    const verdict = await verifier.verify(req.headers.authorization);
    if (!verdict.ok)
      return verdict.reason === 'unavailable'
        ? error(503, 'SERVICE_UNAVAILABLE', 'the token keys cannot be fetched')
        : error(401, 'UNAUTHENTICATED', 'a valid bearer token is required', {
            'www-authenticate': 'Bearer',
          });
    if (!verdict.principal)
      return error(401, 'UNAUTHENTICATED', 'a bearer token is required', {
        'www-authenticate': 'Bearer',
      });
    if (!mayAct(verdict.principal, route.action(params)))
      return error(403, 'FORBIDDEN', `the token lacks the scope for ${req.method} ${pathname}`);
    let parsed: unknown;
    const body = async () => {
      if (parsed !== undefined) return parsed;
      const read = await readBody(req, MAX_BODY_BYTES);
      if (!read.ok) throw new BodyError(read.reason === 'too-large' ? 413 : 400);
      try {
        parsed = JSON.parse(read.text) as unknown;
      } catch {
        throw new BodyError(400);
      }
      return parsed;
    };
    const ifNoneMatch = req.headers['if-none-match'];
    try {
      return await route.handle(params, { body, actor: verdict.principal.sub, ifNoneMatch });
    } catch (failure) {
      if (failure instanceof BodyError)
        return failure.status === 413
          ? error(413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_BODY_BYTES} bytes`)
          : badInput('the body must be JSON');
      throw failure;
    }
  };

  const httpServer = http.createServer((req, res) => {
    handle(req)
      .catch((failure: unknown) => {
        log.error(
          { err: String(failure), method: req.method, url: req.url },
          'registry request failed',
        );
        return error(500, 'INTERNAL_SERVER_ERROR', 'the registry failed; see its log');
      })
      .then((reply) => {
        const headers = 'headers' in reply ? (reply.headers ?? {}) : {};
        if (reply.body === undefined) {
          res.writeHead(reply.status, headers).end();
        } else if (typeof reply.body === 'string') {
          res.writeHead(reply.status, headers).end(reply.body);
        } else {
          res
            .writeHead(reply.status, { 'content-type': 'application/json', ...headers })
            .end(JSON.stringify(reply.body));
        }
      })
      .catch(() => res.destroy());
  });

  return {
    httpServer,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
          resolve(`http://${shown}:${address.port}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}

/** A path segment decoded; malformed escapes become a name that fails validation (400). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '%';
  }
}

class BodyError extends Error {
  constructor(readonly status: 400 | 413) {
    super('bad body');
  }
}

function error(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Reply {
  return { status, body: { ok: false, error: { code, message } }, ...(headers ? { headers } : {}) };
}

function notFound(message: string): Reply {
  return error(404, 'NOT_FOUND', message);
}
