import type { CacheStore } from './store.js';

/**
 * One store round trip: entries, and the version keys guarding them (each read once however many
 * entries it guards). An entry's tag is the values of its guards, joined in order.
 */
export class LookupBatch {
  private readonly keys: string[] = [];
  private readonly guards: (readonly number[])[] = [];
  private readonly versionKeys: string[] = [];
  private readonly versionIndex = new Map<string, number>();
  private entries: readonly (string | undefined)[] = [];
  private versions: readonly string[] = [];
  /** False when the store failed: nothing may be written with these tags. */
  ok = true;

  /** Adds an entry guarded by the version keys `guards` (names, or `version()` indexes). */
  add(key: string, guards: readonly (string | number)[]): number {
    const indexes = guards.every((g) => typeof g === 'number')
      ? guards
      : guards.map((g) => (typeof g === 'number' ? g : this.version(g)));
    this.guards.push(indexes);
    return this.keys.push(key) - 1;
  }

  /** Adds a version key to read (also without an entry); returns its index. */
  version(key: string): number {
    let index = this.versionIndex.get(key);
    if (index === undefined) {
      index = this.versionKeys.push(key) - 1;
      this.versionIndex.set(key, index);
    }
    return index;
  }

  get size(): number {
    return this.keys.length + this.versionKeys.length;
  }

  async run(store: CacheStore): Promise<void> {
    if (!this.size) return;
    const found = await store.mget(this.keys, this.versionKeys);
    this.ok = found.ok;
    this.entries = found.entries;
    this.versions = found.versions;
  }

  /** The key of entry `index`. */
  keyOf(index: number): string {
    return this.keys[index]!;
  }

  /** The stored text of entry `index` (after `run`). */
  raw(index: number): string | undefined {
    return this.entries[index];
  }

  /** The current tag of entry `index` (after `run`). */
  tag(index: number): string {
    const guards = this.guards[index]!;
    let tag = this.versions[guards[0]!] ?? '';
    for (let i = 1; i < guards.length; i++) tag += `,${this.versions[guards[i]!]}`;
    return tag;
  }

  /** How many entries the batch looks up. */
  get entryCount(): number {
    return this.keys.length;
  }

  /** Every version read (after `run`): requests that read different versions never share a fetch. */
  fingerprint(): string {
    return this.versions.join(',');
  }

  /** The value read for a version key, if it was part of the batch. */
  versionValue(key: string): string | undefined {
    const index = this.versionIndex.get(key);
    return index === undefined ? undefined : this.versions[index];
  }
}
