import fs from 'node:fs';
import type { Logger } from '../observability/logger.js';
import { watchFile } from '../supergraph/watchFile.js';
import { indexManifest, type ManifestIndex } from './manifest.js';

/** The live persisted-operations manifest. */
export interface ManifestSource {
  /** The manifest now serving; undefined when none was ever loaded. */
  current(): ManifestIndex | undefined;
  /** Calls `listener` after every successful reload. */
  onChange(listener: (manifest: ManifestIndex) => void): void;
  close(): void;
}

/**
 * Loads the manifest file and reloads it on change without a restart. An invalid new manifest is
 * logged and the last good one keeps serving. `required` makes a missing or invalid file at start
 * an error (safelist mode must never start open or empty by accident).
 */
export function fileManifestSource(
  filePath: string,
  log: Logger,
  required: boolean,
): ManifestSource {
  const read = () => indexManifest(JSON.parse(fs.readFileSync(filePath, 'utf8')));
  let current: ManifestIndex | undefined;
  const listeners = new Set<(manifest: ManifestIndex) => void>();
  try {
    current = read();
  } catch (error) {
    if (required)
      throw new Error(`persisted operations manifest ${filePath}: ${(error as Error).message}`);
    log.info({ path: filePath }, 'no persisted operations manifest loaded');
  }
  const stop = watchFile(filePath, log, () => {
    try {
      current = read();
      log.info(
        { path: filePath, operations: current.byId.size },
        'persisted operations manifest reloaded',
      );
      for (const listener of listeners) listener(current);
    } catch (error) {
      log.error(
        { path: filePath, err: (error as Error).message },
        'persisted operations manifest reload failed; the last good one keeps serving',
      );
    }
  });
  return {
    current: () => current,
    onChange: (listener) => void listeners.add(listener),
    close: stop,
  };
}
