import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { hashApiKey, newApiKey } from '../../src/auth/apiKeys.js';

export interface IssuedKey {
  readonly name: string;
  readonly key: string;
  readonly tier?: string;
  readonly revoked?: boolean;
}

/** An API key file (`API_KEYS_PATH`) in a temporary folder, written as `npm run api-key` does. */
export interface ApiKeyFile {
  readonly path: string;
  /** Issues a key (name, optional tier) and rewrites the file; returns the key. */
  issue(name: string, options?: { tier?: string; revoked?: boolean }): string;
  /** Marks an issued key revoked and rewrites the file. */
  revoke(key: string): void;
  /** Writes raw text (a broken file, say). */
  writeRaw(text: string): void;
  remove(): void;
}

export function createApiKeyFile(): ApiKeyFile {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-keys-'));
  const file = path.join(dir, 'api-keys.yaml');
  const issued: IssuedKey[] = [];
  // Atomic, like the command: write a temporary file, then rename it over the watched one.
  const write = (text: string) => {
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
  };
  const save = () =>
    write(
      stringify(
        issued.map((k) => ({
          name: k.name,
          hash: hashApiKey(k.key),
          ...(k.tier ? { tier: k.tier } : {}),
          ...(k.revoked ? { revoked: true } : {}),
        })),
      ),
    );
  save();
  return {
    path: file,
    issue(name, options = {}) {
      const key = newApiKey();
      issued.push({ name, key, ...options });
      save();
      return key;
    },
    revoke(key) {
      const index = issued.findIndex((k) => k.key === key);
      issued[index] = { ...issued[index]!, revoked: true };
      save();
    },
    writeRaw: write,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Distinct issued callers for budget tests: each `next()` is the header of a fresh key. */
export function keyPool(size = 50): { file: ApiKeyFile; next(): Record<string, string> } {
  const file = createApiKeyFile();
  const keys = Array.from({ length: size }, (_, i) => file.issue(`caller-${i}`));
  let used = 0;
  return {
    file,
    next() {
      const key = keys[used++];
      if (!key) throw new Error(`keyPool: all ${size} keys used; make the pool larger`);
      return { 'x-api-key': key };
    },
  };
}
