import type { Route, RouteResponse } from './server.js';

/** Why the gateway cannot take traffic now (`GET /ready` 503), or the supergraph it serves. */
export type Readiness =
  | { readonly ready: true; readonly supergraphId: string }
  | { readonly ready: false; readonly reason: string };

export interface RoutesOptions {
  /** Asked on every `GET /ready`. */
  readonly readiness: () => Promise<Readiness>;
  /** `POST /cache/invalidate` (http/invalidateRoute.ts). */
  readonly invalidate: Route;
}

/** The gateway's routes besides GraphQL: probes and the admin cache invalidation. */
export function createRoutes(options: RoutesOptions): Record<string, Route> {
  return {
    'GET /health': () => json(200, { status: 'ok' }),
    'GET /ready': async () => {
      const readiness = await options.readiness();
      return readiness.ready
        ? json(200, { status: 'ready', supergraphId: readiness.supergraphId })
        : json(503, { status: 'unavailable', reason: readiness.reason });
    },
    // Admin: `ADMIN_TOKEN` or a JWT with `admin:cache`; bumps an entity's, type's or subgraph's version.
    'POST /cache/invalidate': options.invalidate,
  };
}

function json(status: number, body: unknown): RouteResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}
