import { LRUCache } from 'lru-cache';
import { setOwn } from './selection.js';

/** An entry's body, parsed: its write time and its value. */
export interface ParsedEntry {
  readonly writtenAt: number;
  readonly value: unknown;
}

/**
 * Entries already parsed, by their stored text (tag, write time and value: a rewrite or a new tag
 * is a new text, so a memoized parse is never stale). A warm read then copies a parsed value
 * instead of parsing its text again: the copy is cheaper than `JSON.parse`, and for the in-process
 * store the lookup is by the very string the store holds. Each read gets its own copy, because
 * `@apollo/gateway` merges into the values it is given. Bounded by the size of the texts.
 */
export class ParsedEntries {
  private readonly parsed: LRUCache<string, ParsedEntry>;

  /** `maxBytes`: bound of texts and parsed values together (approximate). */
  constructor(maxBytes: number) {
    this.parsed = new LRUCache({
      maxSize: Math.max(1024, maxBytes),
      // why 4 ×: the text (UTF-16) and, about as large, its parsed value.
      sizeCalculation: (_entry, key) => 4 * key.length + 64,
    });
  }

  /** The entry stored as `raw`, whose value starts at `offset` (undefined: not valid JSON). */
  read(raw: string, writtenAt: number, offset: number): ParsedEntry | undefined {
    let entry = this.parsed.get(raw);
    if (!entry) {
      try {
        entry = { writtenAt, value: JSON.parse(raw.slice(offset)) as unknown };
      } catch {
        return undefined;
      }
      this.parsed.set(raw, entry);
    }
    return { writtenAt: entry.writtenAt, value: copyJson(entry.value) };
  }
}

/** A deep copy of a value parsed from JSON (plain objects, arrays and scalars only). */
export function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = copyJson(value[i]);
    return copy;
  }
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) setOwn(copy, key, copyJson(source[key]));
  return copy;
}
