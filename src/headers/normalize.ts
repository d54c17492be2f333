/**
 * Normalisers a propagate rule may name (`normalize:`), pure. A normaliser maps the many spellings
 * of one meaning to one value, which is both what the subgraph receives and what the cache keys on:
 * `fr-FR,fr;q=0.9` and `fr` then share cache entries, and cannot be answered differently.
 * Undefined means "no usable value" (the rule's `default` applies, if any).
 */

export const NORMALIZERS = ['language', 'lowercase'] as const;
export type Normalizer = (typeof NORMALIZERS)[number];

/** A language range of `Accept-Language` (RFC 9110 §12.5.4): letters, digits and `-`. */
const LANGUAGE_RANGE = /^[a-z]{1,8}(-[a-z0-9]{1,8})*$/;

export function normalize(normalizer: Normalizer, value: string): string | undefined {
  switch (normalizer) {
    case 'language':
      return preferredLanguage(value);
    case 'lowercase':
      return value.trim().toLowerCase();
  }
}

/**
 * The primary subtag of the most preferred language of an `Accept-Language` value, lower case
 * (`fr-FR,fr;q=0.9,en;q=0.8` → `fr`); the first listed wins a tie; `*`, `q=0` and malformed
 * entries are skipped.
 */
export function preferredLanguage(value: string): string | undefined {
  let best: { tag: string; q: number } | undefined;
  for (const entry of value.split(',')) {
    const [range = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (!LANGUAGE_RANGE.test(range)) continue;
    let q = 1;
    for (const param of params) {
      const match = /^q=([01](\.\d{0,3})?)$/.exec(param);
      if (match) q = Number(match[1]);
    }
    if (q > 0 && (!best || q > best.q)) best = { tag: range.split('-', 1)[0]!, q };
  }
  return best?.tag;
}
