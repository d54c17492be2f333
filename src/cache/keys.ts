import { hash } from 'node:crypto';
import { canonicalJson } from '../subgraphClient/representations.js';

// why re-exported: entries are keyed on the identity the subgraph client deduplicates by.
export { canonicalJson };

/**
 * Cache keys, pure. Every key is relative to the store's prefix (production `gw:v1:cache:`).
 *
 * Field entries: `f:<subgraph>:<type>:<field>.<entity>`: the SHA-256 of a JSON array of what
 * identifies the field (schema hash, field name, normalized sub-selection, resolved arguments,
 * variables it uses, private scope), then the entity's canonical representation (hashed when
 * long). A JSON array of strings is injective and the digest has a fixed length, so different parts
 * never share a key (`"1:email"` vs `"1"` + `email`, NFC vs NFD, …).
 *
 * Version keys (read in the same MGET as the entries; see `cachingDataSource.ts`):
 * `ver:<type>:<id>` one entity · `tver:<type>` a whole type · `nver:<type>` entities of that type
 * nested in other entries (root fields, lists) · `sver:<subgraph>` a whole subgraph. Type and
 * subgraph names never contain `:`, so the id after `ver:<type>:` is unambiguous.
 */

/** SHA-256, base64url (43 characters). `crypto.hash`: one call, twice as fast as `createHash`. */
export function sha256(text: string): string {
  return hash('sha256', text, 'base64url');
}

/** What identifies one cached field value. */
export interface FieldKeyParts {
  readonly subgraph: string;
  /** The entity type, or the root type for root fields. */
  readonly typeName: string;
  /** Static identity of the field in its fetch: schema hash, field name, normalized sub-selection. */
  readonly fieldId: string;
  /** Canonical JSON of the representation (entities) or `''` (root fields). */
  readonly entity: string;
  /** Canonical JSON of the resolved arguments and of the variables the sub-selection uses. */
  readonly inputs: string;
  /** `''` for public values, else the caller's scope (see {@link privateScope}). */
  readonly scope: string;
}

/**
 * The store key of one field value: `f:<subgraph>:<type>:<field digest>.<entity>`, so a fetch hashes
 * each field once, not every (entity, field) pair.
 */
export function fieldKey(parts: FieldKeyParts): string {
  return keyOf(parts.subgraph, parts.typeName, fieldDigest(parts), entityDigest(parts.entity));
}

/**
 * Digest of everything in a key but the entity. `variation`: the headers the header rules send to
 * the subgraph (they may change its answer: a French name is not the English one); left out when
 * none, so keys without header rules are unchanged.
 */
export function fieldDigest(
  parts: Pick<FieldKeyParts, 'fieldId' | 'inputs' | 'scope'> & { readonly variation?: string },
): string {
  const { fieldId, inputs, scope, variation } = parts;
  return sha256(
    JSON.stringify(variation ? [fieldId, inputs, scope, variation] : [fieldId, inputs, scope]),
  );
}

/**
 * An entity's canonical representation as a key part: as is when short (`{"__typename":"Product",
 * "id":"p1"}`; JSON text never looks like a digest), else its digest; `root` for root fields.
 */
export function entityDigest(entity: string): string {
  if (entity === '') return 'root';
  return entity.length <= 64 ? entity : sha256(entity);
}

export function keyOf(subgraph: string, typeName: string, field: string, entity: string): string {
  return `f:${subgraph}:${typeName}:${field}.${entity}`;
}

/**
 * The private scope of a verified caller: issuer, subject and scopes. Scopes are included so that a
 * caller who loses a scope never reads entries computed under the old ones (docs/security.md case 82).
 */
export function privateScope(principal: {
  readonly sub: string;
  readonly issuer: string | undefined;
  readonly scopes: ReadonlySet<string>;
}): string {
  return sha256(
    JSON.stringify([principal.issuer ?? null, principal.sub, [...principal.scopes].sort()]),
  );
}

/** Entity id for version keys: the key field's value, or canonical JSON of several. */
export function entityId(
  representation: Readonly<Record<string, unknown>>,
  keyFields: readonly string[],
): string | undefined {
  const values: unknown[] = [];
  for (const field of keyFields) {
    const value = representation[field];
    if (value === undefined || value === null) return undefined;
    values.push(value);
  }
  if (values.length === 1 && (typeof values[0] === 'string' || typeof values[0] === 'number'))
    return String(values[0]);
  return values.length ? canonicalJson(values) : undefined;
}

export const versionKey = {
  entity: (typeName: string, id: string) => `ver:${typeName}:${id}`,
  type: (typeName: string) => `tver:${typeName}`,
  nested: (typeName: string) => `nver:${typeName}`,
  subgraph: (subgraph: string) => `sver:${subgraph}`,
};
