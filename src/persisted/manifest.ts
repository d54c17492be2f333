import { createHash } from 'node:crypto';
import { Kind, parse, print, stripIgnoredCharacters, type OperationTypeNode } from 'graphql';

/** One operation of a manifest, in the format Apollo's and The Guild's client tooling produce. */
export interface ManifestOperation {
  /** sha256 (hex) of `body`. */
  readonly id: string;
  readonly name: string;
  readonly type: `${OperationTypeNode}`;
  /** The normalized document (graphql-js `print`). */
  readonly body: string;
  /** Estimated cost under the supergraph the manifest was built against (informational). */
  readonly estimatedCost?: number;
}

export interface Manifest {
  readonly format: 'apollo-persisted-query-manifest';
  readonly version: 1;
  readonly operations: readonly ManifestOperation[];
}

/** A loaded manifest, indexed for the hot path. */
export interface ManifestIndex {
  readonly byId: ReadonlyMap<string, ManifestOperation>;
  /** By body without insignificant whitespace and commas, for clients that send documents. */
  readonly byBody: ReadonlyMap<string, ManifestOperation>;
}

/**
 * A document without ignored characters (whitespace, commas, comments): two bodies that differ only
 * there are the same operation. Lexes but does not parse; undefined for text that does not lex.
 */
export function canonicalBody(source: string): string | undefined {
  try {
    return stripIgnoredCharacters(source);
  } catch {
    return undefined;
  }
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Normalizes a document the way ids are computed: parsed and printed by graphql-js. */
export function normalize(source: string): string {
  return print(parse(source, { noLocation: true }));
}

/**
 * Builds manifest entries from `.graphql` sources, one named operation each (fragments in the same
 * file travel with it). Throws with the file name on a document that does not parse or is unnamed.
 */
export function buildManifest(
  files: readonly { file: string; source: string }[],
  costOf?: (body: string) => number | undefined,
): Manifest {
  const operations = files.flatMap(({ file, source }) => {
    const document = parse(source, { noLocation: true });
    const ops = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (ops.length !== 1 || !ops[0]?.name)
      throw new Error(`${file}: a screen file holds exactly one named operation`);
    const body = print(document);
    const estimatedCost = costOf?.(body);
    return [
      {
        id: sha256(body),
        name: ops[0].name.value,
        type: ops[0].operation,
        body,
        ...(estimatedCost === undefined ? {} : { estimatedCost }),
      },
    ];
  });
  operations.sort((a, b) => a.name.localeCompare(b.name));
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

/** Validates a parsed manifest file and indexes it; throws a sentence naming the problem. */
export function indexManifest(value: unknown): ManifestIndex {
  const manifest = value as { format?: unknown; version?: unknown; operations?: unknown } | null;
  if (
    !manifest ||
    manifest.format !== 'apollo-persisted-query-manifest' ||
    manifest.version !== 1 ||
    !Array.isArray(manifest.operations)
  ) {
    throw new Error('not an apollo-persisted-query-manifest version 1');
  }
  const byId = new Map<string, ManifestOperation>();
  const byBody = new Map<string, ManifestOperation>();
  for (const entry of manifest.operations as unknown[]) {
    const operation = entry as Partial<ManifestOperation> | null;
    if (typeof operation?.id !== 'string' || typeof operation.body !== 'string') {
      throw new Error('every operation needs an id and a body');
    }
    const valid = operation as ManifestOperation;
    if (sha256(valid.body) !== valid.id) {
      throw new Error(
        `operation ${String(valid.name)} has an id that is not the sha256 of its body`,
      );
    }
    byId.set(valid.id, valid);
    byBody.set(canonicalBody(valid.body) ?? valid.body, valid);
  }
  return { byId, byBody };
}
