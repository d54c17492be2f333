import type { ManifestIndex } from './manifest.js';

/** Per manifest (immutable, replaced on reload): the names of its operations, computed once. */
const manifestNames = new WeakMap<ManifestIndex, ReadonlySet<string>>();

/** Whether the persisted manifest has an operation of this name (its names computed once). */
export function inManifest(manifest: ManifestIndex | undefined, name: string): boolean {
  if (!manifest) return false;
  let names = manifestNames.get(manifest);
  if (!names) {
    names = new Set([...manifest.byId.values()].map((operation) => operation.name));
    manifestNames.set(manifest, names);
  }
  return names.has(name);
}
