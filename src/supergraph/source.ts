import fs from 'node:fs';
import type { Logger } from '../observability/logger.js';
import { prepareSupergraph, type PreparedSupergraph } from './prepare.js';
import { watchFile } from './watchFile.js';

export interface SupergraphSource {
  /** Reads and prepares the supergraph once; throws when it is missing or does not parse. */
  load(): PreparedSupergraph;
  /**
   * Calls `onChange` with each new valid supergraph after the file changes. An update that the
   * receiver rejects (it throws) is logged and the last good supergraph keeps serving.
   */
  watch(onChange: (next: PreparedSupergraph) => void): () => void;
}

/** The supergraph from a file, watched for changes. */
export function fileSupergraphSource(
  filePath: string,
  log: Logger,
  debounceMs = 100,
): SupergraphSource {
  let lastSdl: string | undefined;
  const read = () => prepareSupergraph(fs.readFileSync(filePath, 'utf8'));
  const reload = (onChange: (next: PreparedSupergraph) => void) => {
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
  return {
    load() {
      const prepared = read();
      lastSdl = prepared.sourceSdl;
      return prepared;
    },
    watch: (onChange) => watchFile(filePath, log, () => reload(onChange), debounceMs),
  };
}
