import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../observability/logger.js';

/** How often the content is compared anyway, in case no file event arrives. */
const POLL_MS = 5_000;

/**
 * Calls `onChange` (debounced) whenever the content of `filePath` changes, however it is deployed:
 * - edited in place, or replaced by an atomic rename (editors, `kubectl cp`, config tools): the
 *   folder is watched, not the file;
 * - a symlink whose target is swapped, as Kubernetes mounts a ConfigMap (`file -> ..data/file`,
 *   `..data -> ..2026_12_04…`, replaced by renaming a new `..data` link over it): every event in
 *   the folder re-resolves the link, and the folder of the file it points to is watched too, so a
 *   write through the link is seen;
 * - and, as a safety net for file systems without events (some network and overlay mounts), the
 *   content is compared every few seconds.
 * A change is a different SHA-256 of the content, so events that change nothing call nothing.
 * Returns a function that stops watching.
 */
export function watchFile(
  filePath: string,
  log: Logger,
  onChange: () => void,
  debounceMs = 100,
  pollMs = POLL_MS,
): () => void {
  const folder = path.dirname(path.resolve(filePath));
  let last = fingerprint(filePath);
  let timer: NodeJS.Timeout | undefined;
  let target: { folder: string; watcher: fs.FSWatcher } | undefined;

  const check = () => {
    followTarget();
    const now = fingerprint(filePath);
    if (now === last) return;
    last = now;
    onChange();
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
  };
  const watch = (dir: string): fs.FSWatcher | undefined => {
    try {
      const watcher = fs.watch(dir, schedule);
      watcher.on('error', (error) =>
        log.error({ err: String(error), path: filePath }, 'file watcher failed'),
      );
      return watcher;
    } catch (error) {
      log.error({ err: String(error), path: filePath }, 'file watcher failed');
      return undefined;
    }
  };
  /** Watches the folder of the file the path resolves to now, when that is another folder. */
  const followTarget = () => {
    let resolved: string | undefined;
    try {
      resolved = path.dirname(fs.realpathSync(filePath));
    } catch {
      resolved = undefined; // missing for now: the folder watcher sees it come back
    }
    if (resolved === target?.folder || (resolved === folder && !target)) return;
    target?.watcher.close();
    target = undefined;
    if (!resolved || resolved === folder) return;
    const watcher = watch(resolved);
    if (watcher) target = { folder: resolved, watcher };
  };

  const folderWatcher = watch(folder);
  followTarget();
  const poll = setInterval(check, pollMs);
  poll.unref();
  return () => {
    clearTimeout(timer);
    clearInterval(poll);
    folderWatcher?.close();
    target?.watcher.close();
  };
}

/** The content's SHA-256, or undefined while the file cannot be read. */
function fingerprint(filePath: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(filePath)).digest('hex');
  } catch {
    return undefined;
  }
}
