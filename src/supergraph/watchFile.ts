import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../observability/logger.js';

/**
 * Calls `onChange` (debounced) whenever `filePath` may have changed. Watches the folder, not the
 * file, so editors' and deploy tools' atomic renames are seen. Returns a function that stops it.
 */
export function watchFile(
  filePath: string,
  log: Logger,
  onChange: () => void,
  debounceMs = 100,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = fs.watch(path.dirname(filePath), (_event, name) => {
    if (name && name !== path.basename(filePath)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', (error) =>
    log.error({ err: String(error), path: filePath }, 'file watcher failed'),
  );
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
