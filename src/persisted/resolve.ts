import { ErrorCode } from '../errors.js';
import { canonicalBody, type ManifestIndex } from './manifest.js';

/**
 * `off`: documents only (automatic persisted queries off). `allow`: manifest ids, automatic
 * persisted queries and free-form documents. `safelist`: manifest operations only, by id or by an
 * identical body.
 */
export type PersistedMode = 'off' | 'allow' | 'safelist';

/** What the client sent that concerns persisted operations. */
export interface PersistedInput {
  readonly query: string | undefined;
  /** `extensions.persistedQuery.sha256Hash`, or a `documentId` field. */
  readonly id: string | undefined;
}

export type PersistedDecision =
  /** Execute `query` (a manifest body, or the client's document); `undefined` = leave the request as it is. */
  | { readonly ok: true; readonly query: string | undefined }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      readonly status: number;
      readonly message: string;
    };

/**
 * Decides what a request may execute under the mode. Pure: runs before Apollo Server sees the request.
 * An unknown id in `allow` mode is left to automatic persisted queries (register or
 * PERSISTED_QUERY_NOT_FOUND, as the APQ protocol says).
 */
export function resolvePersisted(
  mode: PersistedMode,
  manifest: ManifestIndex | undefined,
  input: PersistedInput,
  requireId = false,
): PersistedDecision {
  if (mode === 'off') return { ok: true, query: undefined };
  const known = input.id ? manifest?.byId.get(input.id) : undefined;
  if (mode === 'allow')
    return { ok: true, query: known && input.query === undefined ? known.body : undefined };

  if (input.id !== undefined && input.query !== undefined) {
    return refuse(
      ErrorCode.CANNOT_SEND_PQ_ID_AND_BODY,
      'Send either a persisted operation id or a document, not both.',
    );
  }
  if (input.id !== undefined) {
    return known
      ? { ok: true, query: known.body }
      : refuse(
          ErrorCode.PERSISTED_QUERY_NOT_IN_LIST,
          'This operation id is not in the persisted operations list.',
        );
  }
  if (requireId)
    return refuse(
      ErrorCode.PERSISTED_QUERY_ID_REQUIRED,
      'This gateway accepts persisted operation ids only.',
    );
  const listed =
    input.query === undefined ? undefined : manifest?.byBody.get(canonicalBody(input.query) ?? '');
  if (listed) return { ok: true, query: listed.body };
  return refuse(
    ErrorCode.PERSISTED_QUERY_NOT_IN_LIST,
    'This operation is not in the persisted operations list.',
  );
}

function refuse(code: ErrorCode, message: string): PersistedDecision {
  return { ok: false, code, status: 400, message };
}
