import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse } from 'yaml';
import { z } from 'zod';
import type { ApiKeyIdentity } from '../context.js';

/**
 * Issued API keys (`API_KEYS_PATH`): a YAML (or JSON) list of `{ name, hash, tier?, revoked? }`.
 * Only hashes are stored: a key is `gw_` + 32 random bytes (base64url), so an unsalted SHA-256 is
 * as strong as the key itself, and a leaked file grants nothing.
 */
export const API_KEY_PREFIX = 'gw_';
const KEY_PATTERN = /^gw_[A-Za-z0-9_-]{43}$/;
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** A new, high-entropy API key. Shown once to whoever issues it; only its hash is kept. */
export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The stored form of a key: `sha256:<hex>`. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export type ApiKeyCheck =
  | { readonly ok: true; readonly identity: ApiKeyIdentity }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'revoked' };

/** The issued keys, indexed for lookup. */
export interface ApiKeySet {
  readonly size: number;
  /** Checks a presented key: malformed, unknown, revoked, or the identity it was issued to. */
  check(key: string): ApiKeyCheck;
}

const entrySchema = z
  .object({
    name: z.string().min(1).max(200),
    hash: z.string().regex(HASH_PATTERN, 'must be sha256: and 64 hex digits'),
    tier: z.string().min(1).optional(),
    revoked: z.boolean().optional(),
    created: z.string().optional(),
  })
  // why strict: a misspelt `revoked` must fail the file, never leave a key working.
  .strict();
const fileSchema = z.array(entrySchema).nullable();

/**
 * Parses the key file; problems are reported at once, and a bad file is refused as a whole. A tier
 * not in `tiers` (RATE_LIMIT_TIERS) is a warning: that key gets the standard budget, as a JWT
 * whose tier claim names no tier does.
 */
export function parseApiKeys(
  text: string,
  tiers: ReadonlySet<string>,
): { ok: true; keys: ApiKeySet; warnings: readonly string[] } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    return { ok: false, reason: `not YAML or JSON: ${(error as Error).message}` };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  const entries = parsed.data ?? [];
  const problems: string[] = [];
  const warnings: string[] = [];
  const byHash = new Map<string, { digest: Buffer; revoked: boolean; identity: ApiKeyIdentity }>();
  entries.forEach((entry, index) => {
    if (entry.tier !== undefined && !tiers.has(entry.tier))
      warnings.push(`${index}.tier: "${entry.tier}" is not in RATE_LIMIT_TIERS`);
    if (byHash.has(entry.hash)) problems.push(`${index}.hash: listed twice`);
    byHash.set(entry.hash, {
      digest: Buffer.from(entry.hash.slice('sha256:'.length), 'hex'),
      revoked: entry.revoked ?? false,
      identity: { name: entry.name, tier: entry.tier },
    });
  });
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    warnings,
    keys: {
      size: byHash.size,
      check(key) {
        if (!KEY_PATTERN.test(key)) return { ok: false, reason: 'malformed' };
        const hash = hashApiKey(key);
        const found = byHash.get(hash);
        // why a Map is safe here: it is keyed by SHA-256 digests, whose bytes a client cannot steer,
        // so lookup timing tells nothing about an issued key; the granting comparison is constant-time.
        if (!found || !timingSafeEqual(found.digest, Buffer.from(hash.slice(7), 'hex')))
          return { ok: false, reason: 'unknown' };
        if (found.revoked) return { ok: false, reason: 'revoked' };
        return { ok: true, identity: found.identity };
      },
    },
  };
}
