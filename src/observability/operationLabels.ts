import { LRUCache } from 'lru-cache';

export interface OperationLabelOptions {
  /** Names the operator vouches for (the persisted manifest's): labelled from their first request. */
  readonly known?: (name: string) => boolean;
  /** Requests an unknown name needs before it gets its own label. @default 10 */
  readonly minCount?: number;
  /** Distinct names labelled by count (the manifest's do not count against it). @default 200 */
  readonly maxLabels?: number;
  /** Unlabelled names whose requests are being counted, least recently seen forgotten. @default 1000 */
  readonly maxCandidates?: number;
}

/** Requests an unknown operation name needs before it gets its own label. */
export const OPERATION_LABEL_MIN_COUNT = 10;

/** What GraphQL allows as a name, bounded so one label stays short. */
const NAME = /^[A-Za-z_]\w{0,63}$/;

/**
 * The `operation` label of the request metrics, with a bounded set of values. A name from the
 * persisted manifest is labelled at once; any other name only once it has been seen `minCount`
 * times, and while fewer than `maxLabels` names have been. Before that it counts as `other`.
 * why: a label, once given, stays in the registry; if the first names seen won the slots, a client
 * sending a few hundred junk names once each would push every real operation into `other` for
 * the life of the process. Junk must now be repeated to win a slot, while real operations, which
 * repeat by nature, win theirs within their first requests.
 */
export function createOperationLabels(
  options: OperationLabelOptions = {},
): (name: string | null | undefined) => string {
  const minCount = options.minCount ?? OPERATION_LABEL_MIN_COUNT;
  const maxLabels = options.maxLabels ?? 200;
  const labelled = new Set<string>();
  const counts = new LRUCache<string, number>({ max: options.maxCandidates ?? 1000 });
  return (name) => {
    if (!name) return 'anonymous';
    if (labelled.has(name)) return name;
    if (!NAME.test(name)) return 'other';
    if (options.known?.(name)) return name;
    if (labelled.size >= maxLabels) return 'other';
    const count = (counts.get(name) ?? 0) + 1;
    if (count < minCount) {
      counts.set(name, count);
      return 'other';
    }
    counts.delete(name);
    labelled.add(name);
    return name;
  };
}
