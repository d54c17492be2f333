import { LANGUAGES, type Language } from './seed.js';

/**
 * The language of a request: the most preferred language of `Accept-Language` (RFC 9110 §12.5.4)
 * that the seed data has, by primary subtag (`fr-CA` → `fr`); English when none is.
 */
export function languageOf(acceptLanguage: string | undefined): Language {
  if (!acceptLanguage) return 'en';
  let best: { language: Language; q: number } | undefined;
  for (const entry of acceptLanguage.split(',')) {
    const [range = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const primary = range.split('-', 1)[0]!;
    if (!isLanguage(primary)) continue;
    const q = Number(/^q=([\d.]+)$/.exec(params.find((p) => p.startsWith('q=')) ?? 'q=1')?.[1]);
    if (q > 0 && (!best || q > best.q)) best = { language: primary, q };
  }
  return best?.language ?? 'en';
}

function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}
