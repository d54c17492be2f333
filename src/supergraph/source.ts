import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../observability/logger.js';
import { prepareSupergraph, type PreparedSupergraph } from './prepare.js';

export interface SupergraphSource {
  /** Reads and prepares the supergraph once; throws when it is missing or does not parse. */
  load(): PreparedSupergraph;
  /**
   * Calls `onChange` with each new valid supergraph after the file changes. An update that the
   * receiver rejects (it throws) is logged and the last good supergraph keeps serving.
   */
  watch(onChange: (next: PreparedSupergraph) => void): () => void;
}

/** The supergraph from a file, watched through its folder so editors' atomic renames are seen. */
export function fileSupergraphSource(
  filePath: string,
  log: Logger,
  debounceMs = 100,
): SupergraphSource {
  let lastSdl: string | undefined;
  const read = () => prepareSupergraph(fs.readFileSync(filePath, 'utf8'));
  return {
    load() {
      const prepared = read();
      lastSdl = prepared.sourceSdl;
      return prepared;
    },
    watch(onChange) {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        timer = undefined;
        let next: PreparedSupergraph;
        try {
          next = read();
        } catch (error) {
          log.error(
            { err: String(error), path: filePath },
            'supergraph reload failed; the last good supergraph keeps serving',
          );
          return;
        }
        if (next.sourceSdl === lastSdl) return;
        try {
          onChange(next);
          lastSdl = next.sourceSdl;
        } catch (error) {
          log.error(
            { err: String(error), path: filePath },
            'supergraph reload rejected; the last good supergraph keeps serving',
          );
        }
      };
      const watcher = fs.watch(path.dirname(filePath), (_event, name) => {
        if (name && name !== path.basename(filePath)) return;
        clearTimeout(timer);
        timer = setTimeout(check, debounceMs);
      });
      watcher.on('error', (error) =>
        log.error({ err: String(error) }, 'supergraph watcher failed'),
      );
      return () => {
        clearTimeout(timer);
        watcher.close();
      };
    },
  };
}
