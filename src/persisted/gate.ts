import { errorBody } from '../errors.js';
import type { ManifestSource } from './manifestSource.js';
import { resolvePersisted, type PersistedMode } from './resolve.js';

/** A GraphQL HTTP request before Apollo Server sees it. */
export interface GraphQLHttpInput {
  readonly method: string;
  readonly body: unknown;
  readonly search: string;
}

export type GateResult =
  | { readonly ok: true; readonly body: unknown; readonly search: string }
  | { readonly ok: false; readonly status: number; readonly body: string };

/**
 * Applies the persisted-operations mode to a request: substitutes manifest bodies for ids (POST
 * body or GET query string) and refuses what the mode does not allow. Runs on every GraphQL
 * request, before parsing, so a refused document is never parsed.
 */
export function createPersistedGate(
  mode: PersistedMode,
  manifest: ManifestSource,
  requireId: boolean,
): (input: GraphQLHttpInput) => GateResult {
  return (input) => {
    if (mode === 'off') return { ok: true, body: input.body, search: input.search };
    const params = new URLSearchParams(input.search);
    const fromBody =
      input.method === 'POST' &&
      input.body &&
      typeof input.body === 'object' &&
      !Array.isArray(input.body)
        ? (input.body as Record<string, unknown>)
        : undefined;
    const extensions = fromBody ? fromBody.extensions : parseJson(params.get('extensions'));
    const query = fromBody ? fromBody.query : (params.get('query') ?? undefined);
    const id =
      persistedId(extensions) ??
      stringOr(fromBody ? fromBody.documentId : params.get('documentId'));
    const decision = resolvePersisted(
      mode,
      manifest.current(),
      { query: typeof query === 'string' ? query : undefined, id },
      requireId,
    );
    if (!decision.ok)
      return {
        ok: false,
        status: decision.status,
        body: errorBody(decision.code, decision.message),
      };
    if (decision.query === undefined) return { ok: true, body: input.body, search: input.search };

    // Safelist mode answers ids itself; Apollo's automatic persisted queries are off there and
    // would refuse a request still carrying the extension.
    const keepApq = mode === 'allow';
    if (fromBody) {
      const { documentId: _documentId, extensions: _extensions, ...rest } = fromBody;
      const nextExtensions = keepApq
        ? fromBody.extensions
        : withoutPersistedQuery(fromBody.extensions);
      // why: Apollo refuses an `extensions` key that is present but not an object, so omit it.
      return {
        ok: true,
        body: {
          ...rest,
          query: decision.query,
          ...(nextExtensions ? { extensions: nextExtensions } : {}),
        },
        search: input.search,
      };
    }
    params.set('query', decision.query);
    params.delete('documentId');
    if (!keepApq) {
      const rest = withoutPersistedQuery(extensions);
      if (rest) params.set('extensions', JSON.stringify(rest));
      else params.delete('extensions');
    }
    return { ok: true, body: input.body, search: `?${params.toString()}` };
  };
}

function persistedId(extensions: unknown): string | undefined {
  const pq = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)
    ?.persistedQuery;
  return stringOr(pq?.sha256Hash);
}

function withoutPersistedQuery(extensions: unknown): Record<string, unknown> | undefined {
  if (!extensions || typeof extensions !== 'object') return undefined;
  const { persistedQuery: _persistedQuery, ...rest } = extensions as Record<string, unknown>;
  return Object.keys(rest).length ? rest : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseJson(text: string | null): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
