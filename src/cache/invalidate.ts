import { timingSafeEqual } from 'node:crypto';
import type { Principal } from '../context.js';
import { ErrorCode, errorBody } from '../errors.js';
import type { Route, RouteResponse } from '../http/server.js';
import type { Logger } from '../observability/logger.js';
import { sha256, versionKey } from './keys.js';
import type { CacheModel } from './model.js';
import type { CacheStore } from './store.js';

/** JWT scope that may invalidate the cache. */
export const ADMIN_SCOPE = 'admin:cache';

export interface InvalidateRouteOptions {
  readonly store: CacheStore;
  /** `ADMIN_TOKEN`: a static bearer token that may invalidate. */
  readonly adminToken: string | undefined;
  /**
   * The auth verifier (`auth.authenticate`): the verified caller of a bearer JWT, null without a
   * token; throws a `GatewayError` (401, 503) for a bad one. Absent: only `ADMIN_TOKEN` is accepted.
   */
  readonly authenticate?: (
    headers: Readonly<Record<string, string | undefined>>,
  ) => Promise<Principal | null>;
  readonly model: () => CacheModel | undefined;
  readonly log: Logger;
}

type Target = { type: string; id: string } | { type: string } | { subgraph: string };

/**
 * Largest body accepted, in bytes (UTF-8): the largest sane target is a few hundred bytes.
 * @default 4096
 */
export const MAX_INVALIDATE_BODY_BYTES = 4096;
/**
 * Longest entity id accepted, in characters (a compound key is its canonical JSON).
 * @default 256
 */
export const MAX_INVALIDATE_ID_CHARS = 256;
/** Longest type or subgraph name looked up (both must also exist in the supergraph). @default 128 */
export const MAX_INVALIDATE_NAME_CHARS = 128;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const answer = (
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = JSON_HEADERS,
): RouteResponse => ({ status, headers, body });

/**
 * `POST /cache/invalidate` (admin only): body `{type, id}` makes every cached field of that entity
 * (and every entry containing its data) stale, `{type}` every entry of that type, `{subgraph}`
 * every entry of that subgraph. 401 `UNAUTHENTICATED` without valid credentials, 403 `FORBIDDEN`
 * for a caller without `admin:cache`, 400 `BAD_REQUEST` for a bad body, 503 when the store failed.
 */
export function createInvalidateRoute(options: InvalidateRouteOptions): Route {
  return async (req, body) => {
    const headers = req.headers as Record<string, string | undefined>;
    const denied = await authorize(headers, options);
    if (denied) return denied;
    const model = options.model();
    const target = parseTarget(body, model);
    if (typeof target === 'string') return answer(400, errorBody(ErrorCode.BAD_REQUEST, target));
    const keys =
      'subgraph' in target
        ? [versionKey.subgraph(target.subgraph)]
        : 'id' in target
          ? [versionKey.entity(target.type, target.id), versionKey.nested(target.type)]
          : [versionKey.type(target.type)];
    if (!(await options.store.bumpVersions(keys)))
      return answer(
        503,
        errorBody(
          ErrorCode.SERVICE_UNAVAILABLE,
          'The cache store is unavailable; nothing was invalidated.',
        ),
      );
    options.log.info({ target }, 'cache invalidated');
    return answer(200, JSON.stringify({ invalidated: target }));
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
  return timingSafeEqual(Buffer.from(sha256(given)), Buffer.from(sha256(expected)));
}

/**
 * The invalidation target, or a sentence saying what is wrong with the body. Bounded: the body, the
 * id and the names have maximum lengths, the type must be an entity type and the subgraph one of
 * the supergraph, so nothing unbounded reaches the store or the log; the sentence never repeats
 * the input.
 */
export function parseTarget(
  body: string | undefined,
  model: CacheModel | undefined,
): Target | string {
  if (Buffer.byteLength(body ?? '') > MAX_INVALIDATE_BODY_BYTES)
    return `The body must be at most ${MAX_INVALIDATE_BODY_BYTES} bytes.`;
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return 'The body must be JSON: {"type","id"}, {"type"} or {"subgraph"}.';
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return 'The body must be a JSON object.';
  const { type, id, subgraph, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length) return 'Only "type", "id" and "subgraph" are allowed.';
  if (subgraph !== undefined) {
    if (type !== undefined || id !== undefined)
      return 'Give either "subgraph" or "type" (with "id"), not both.';
    if (!isName(subgraph) || !model?.subgraphs.has(subgraph))
      return '"subgraph" must name a subgraph of the supergraph.';
    return { subgraph };
  }
  if (!isName(type) || !model?.keyFields.has(type))
    return '"type" must name an entity type of the supergraph.';
  if (id === undefined) return { type };
  const text =
    typeof id === 'string'
      ? id
      : typeof id === 'number' && Number.isFinite(id)
        ? String(id)
        : undefined;
  if (
    text === undefined ||
    text === '' ||
    text.length > MAX_INVALIDATE_ID_CHARS ||
    CONTROL_CHARACTER.test(text)
  )
    return `"id" must be a string of 1 to ${MAX_INVALIDATE_ID_CHARS} characters without control characters, or a number.`;
  return { type, id: text };
}

// why: a control character in an id is no real key, and would end up in Redis keys and logs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_INVALIDATE_NAME_CHARS;
}
