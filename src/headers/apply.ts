import { normalize } from './normalize.js';
import { MAX_HEADERS, MAX_VALUE_BYTES, type HeaderRule, type HeaderRules } from './rules.js';

/** Client request headers: lower-case names, as Node gives them. */
export type InboundHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The rules one subgraph's fetches run: `all` first, then the subgraph's own. */
export function rulesFor(rules: HeaderRules, subgraph: string): readonly HeaderRule[] {
  const own = rules.subgraphs.get(subgraph);
  return own?.length ? [...rules.all, ...own] : rules.all;
}

/**
 * The headers `rules` send to a subgraph for a client request, pure. Rules run in order over the
 * outgoing set, as Apollo Router's do: `propagate` copies from the client's request, `insert` sets
 * a static value, `remove` takes away what an earlier rule added. A forbidden header is never
 * read by `matching`, nor sent; a client value longer than {@link MAX_VALUE_BYTES} counts as absent;
 * past {@link MAX_HEADERS} names, further ones are dropped.
 */
export function applyHeaderRules(
  rules: readonly HeaderRule[],
  inbound: InboundHeaders,
  forbidden: ReadonlySet<string>,
): Record<string, string> {
  const out = new Map<string, string>();
  const set = (name: string, value: string) => {
    if (forbidden.has(name) || (!out.has(name) && out.size >= MAX_HEADERS)) return;
    out.set(name, value);
  };
  for (const rule of rules) {
    if (rule.action === 'insert') set(rule.name, rule.value);
    else if ('matching' in rule) {
      if (rule.action === 'remove') {
        for (const name of [...out.keys()]) if (rule.matching.test(name)) out.delete(name);
      } else
        for (const name of Object.keys(inbound)) {
          const value = clientValue(inbound, name);
          if (value !== undefined && rule.matching.test(name)) set(name, value);
        }
    } else if (rule.action === 'remove') out.delete(rule.named);
    else {
      const raw = clientValue(inbound, rule.named);
      const value = raw !== undefined && rule.normalize ? normalize(rule.normalize, raw) : raw;
      const chosen = value === undefined || value === '' ? rule.default : value;
      if (chosen !== undefined) set(rule.rename ?? rule.named, chosen);
    }
  }
  return Object.fromEntries(out);
}

/** A client header's value, repeated fields joined; undefined when absent, over the bound or unsendable. */
function clientValue(inbound: InboundHeaders, name: string): string | undefined {
  if (!Object.hasOwn(inbound, name)) return undefined;
  const raw = inbound[name];
  const value = Array.isArray(raw) ? raw.join(', ') : (raw as string | undefined);
  if (value === undefined || Buffer.byteLength(value) > MAX_VALUE_BYTES) return undefined;
  // why: a value the HTTP client would refuse to send must not fail the fetch (and count against
  // the subgraph's circuit breaker): it counts as absent.
  return SENDABLE.test(value) ? value : undefined;
}

/** A field value undici sends (RFC 9110 §5.5 field-content, obs-text included). */
const SENDABLE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * What the sent headers add to a cache or deduplication key: `''` when none, else their names and
 * values in name order (values already normalised by their rules, else raw; the cache hashes keys).
 */
export function headerVariation(sent: Readonly<Record<string, string>>): string {
  const names = Object.keys(sent);
  if (!names.length) return '';
  return JSON.stringify(names.sort().map((name) => [name, sent[name]]));
}

/** The client headers any of `rules` reads for this request: the response varies on them. */
export function headersRead(
  rules: HeaderRules,
  inbound: InboundHeaders,
  forbidden: ReadonlySet<string>,
): string[] {
  const read = new Set<string>();
  const all = [rules.all, ...rules.subgraphs.values()];
  for (const list of all)
    for (const rule of list) {
      if (rule.action !== 'propagate') continue;
      if ('named' in rule) read.add(rule.named);
      else for (const name of Object.keys(inbound)) if (rule.matching.test(name)) read.add(name);
    }
  return [...read].filter((name) => !forbidden.has(name));
}
