import { hash, timingSafeEqual } from 'node:crypto';
import type { InvalidationResult } from '../cache/cache.js';
import type { Principal } from '../context.js';
import { ErrorCode, errorBody } from '../errors.js';
import type { Route, RouteResponse } from './server.js';

/** JWT scope that may invalidate the cache. */
export const ADMIN_SCOPE = 'admin:cache';

export interface InvalidateRouteOptions {
  /** The cache's invalidation (`cache.invalidate`), called once the caller is an admin. */
  readonly invalidate: (body: string | undefined) => Promise<InvalidationResult>;
  /** `ADMIN_TOKEN`: a static bearer token that may invalidate. */
  readonly adminToken: string | undefined;
  /**
   * The auth verifier (`auth.authenticate`): the verified caller of a bearer JWT, null without a
   * token; throws a `GatewayError` (401, 503) for a bad one. Absent: only `ADMIN_TOKEN` is accepted.
   */
  readonly authenticate?: (
    headers: Readonly<Record<string, string | undefined>>,
  ) => Promise<Principal | null>;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const answer = (
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = JSON_HEADERS,
): RouteResponse => ({ status, headers, body });

/**
 * `POST /cache/invalidate` (admin only): the caller is checked here, the body is the cache's (see
 * `cache.invalidate`). 401 `UNAUTHENTICATED` without valid credentials, 403 `FORBIDDEN` for a
 * caller without `admin:cache`, 400 `BAD_REQUEST` for a bad body, 503 when the store failed.
 */
export function createInvalidateRoute(options: InvalidateRouteOptions): Route {
  return async (req, body) => {
    const headers = req.headers as Record<string, string | undefined>;
    const denied = await authorize(headers, options);
    if (denied) return denied;
    const result = await options.invalidate(body);
    if (result.ok) return answer(200, JSON.stringify({ invalidated: result.target }));
    switch (result.reason) {
      case 'bad-target':
        return answer(400, errorBody(ErrorCode.BAD_REQUEST, result.message));
      case 'store-unavailable':
        return answer(
          503,
          errorBody(
            ErrorCode.SERVICE_UNAVAILABLE,
            'The cache store is unavailable; nothing was invalidated.',
          ),
        );
    }
  };
}

async function authorize(
  headers: Readonly<Record<string, string | undefined>>,
  options: InvalidateRouteOptions,
): Promise<RouteResponse | undefined> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  const unauthenticated = answer(
    401,
    errorBody(ErrorCode.UNAUTHENTICATED, 'Invalidating the cache needs an admin token.'),
    {
      ...JSON_HEADERS,
      'www-authenticate': 'Bearer',
    },
  );
  if (!match?.[1]) return unauthenticated;
  if (options.adminToken && sameSecret(match[1], options.adminToken)) return undefined;
  if (!options.authenticate) return unauthenticated;
  let principal: Principal | null;
  try {
    principal = await options.authenticate(headers);
  } catch (error) {
    const status = (error as { extensions?: { http?: { status?: number } } }).extensions?.http
      ?.status;
    return status === 503
      ? answer(
          503,
          errorBody(
            ErrorCode.SERVICE_UNAVAILABLE,
            'The token keys are unavailable; try again shortly.',
          ),
        )
      : unauthenticated;
  }
  if (!principal) return unauthenticated;
  if (!principal.scopes.has(ADMIN_SCOPE))
    return answer(
      403,
      errorBody(ErrorCode.FORBIDDEN, `Invalidating the cache needs the ${ADMIN_SCOPE} scope.`),
    );
  return undefined;
}

/** Compares hashes, so neither the length nor the content of the secret leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => hash('sha256', text, 'base64url');
  return timingSafeEqual(Buffer.from(digest(given)), Buffer.from(digest(expected)));
}
