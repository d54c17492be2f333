import type { Logger } from '../observability/logger.js';
import { versionKey } from './keys.js';
import type { CacheModel } from './model.js';
import type { CacheStore } from './store.js';

export interface InvalidatorOptions {
  readonly store: CacheStore;
  readonly model: () => CacheModel | undefined;
  readonly log: Logger;
}

/** What an invalidation names: one entity, a whole entity type, or a whole subgraph. */
export type InvalidationTarget =
  { type: string; id: string } | { type: string } | { subgraph: string };

/** How an invalidation went; the HTTP route (`src/http/invalidateRoute.ts`) answers with it. */
export type InvalidationResult =
  | { readonly ok: true; readonly target: InvalidationTarget }
  /** The body names no target; `message` says what is wrong without repeating the input. */
  | { readonly ok: false; readonly reason: 'bad-target'; readonly message: string }
  /** The store failed: nothing was invalidated. */
  | { readonly ok: false; readonly reason: 'store-unavailable' };

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

/**
 * Invalidation, called by `POST /cache/invalidate` once the caller is known to be an admin: body
 * `{type, id}` makes every cached field of that entity (and every entry containing its data)
 * stale, `{type}` every entry of that type, `{subgraph}` every entry of that subgraph.
 */
export function createInvalidator(
  options: InvalidatorOptions,
): (body: string | undefined) => Promise<InvalidationResult> {
  return async (body) => {
    const target = parseTarget(body, options.model());
    if (typeof target === 'string') return { ok: false, reason: 'bad-target', message: target };
    const keys =
      'subgraph' in target
        ? [versionKey.subgraph(target.subgraph)]
        : 'id' in target
          ? [versionKey.entity(target.type, target.id), versionKey.nested(target.type)]
          : [versionKey.type(target.type)];
    if (!(await options.store.bumpVersions(keys)))
      return { ok: false, reason: 'store-unavailable' };
    options.log.info({ target }, 'cache invalidated');
    return { ok: true, target };
  };
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
): InvalidationTarget | string {
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
