import { parse } from 'yaml';
import { NORMALIZERS, type Normalizer } from './normalize.js';

/**
 * The header rules file (`HEADER_RULES_PATH`), parsed and validated, pure. The format is Apollo
 * Router's `headers:` configuration (request rules; the `headers:` wrapper may be kept), in YAML or
 * JSON:
 *
 *     all:                       # every subgraph, first
 *       request:
 *         - insert: { name: x-gateway, value: "1" }
 *     subgraphs:
 *       product:                 # then this subgraph's own rules
 *         request:
 *           - propagate: { named: accept-language, normalize: language, default: en }
 *
 * Actions: `propagate` (`named` with optional `rename` and `default`, or `matching`: a regular
 * expression over lower-case names), `insert` (`name`, static `value`), `remove` (`named` or
 * `matching`). `normalize` (`language`, `lowercase`) is ours: see normalize.ts.
 */

/** Longest header value a rule sends (a longer client value counts as absent), in bytes. */
export const MAX_VALUE_BYTES = 1024;
/** Most headers the rules send to one subgraph in one fetch (later ones are dropped). */
export const MAX_HEADERS = 32;

export type HeaderRule =
  | {
      readonly action: 'propagate';
      readonly named: string;
      readonly rename: string | undefined;
      readonly default: string | undefined;
      readonly normalize: Normalizer | undefined;
    }
  | { readonly action: 'propagate' | 'remove'; readonly matching: RegExp }
  | { readonly action: 'insert'; readonly name: string; readonly value: string }
  | { readonly action: 'remove'; readonly named: string };

export interface HeaderRules {
  readonly all: readonly HeaderRule[];
  readonly subgraphs: ReadonlyMap<string, readonly HeaderRule[]>;
}

export type ParsedRules =
  | { readonly ok: true; readonly rules: HeaderRules }
  | { readonly ok: false; readonly problems: readonly string[] };

/** An HTTP field name (RFC 9110 §5.1). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** A field value we send: visible ASCII, spaces and tabs (no CR, LF or NUL). */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

const OPTIONS = {
  propagate: ['named', 'rename', 'default', 'normalize', 'matching'],
  insert: ['name', 'value'],
  remove: ['named', 'matching'],
} as const;

/**
 * Parses and validates a rules file; every problem is reported at once, one line each, naming
 * where it is (`subgraphs.product.request[0].propagate.named`). `forbidden`: see forbidden.ts.
 */
export function parseHeaderRules(text: string, forbidden: ReadonlySet<string>): ParsedRules {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return { ok: false, problems: [`not valid YAML or JSON: ${firstLine(error)}`] };
  }
  const problems: string[] = [];
  if (isRecord(document) && Object.keys(document).length === 1 && 'headers' in document)
    document = document.headers;
  if (document === null || document === undefined) document = {};
  if (!isRecord(document))
    return { ok: false, problems: ['must be a map with `all` and/or `subgraphs`'] };
  for (const key of Object.keys(document))
    if (key !== 'all' && key !== 'subgraphs')
      problems.push(`${key}: unknown key; expected \`all\` or \`subgraphs\``);
  const all = block(document.all, 'all', forbidden, problems);
  const subgraphs = new Map<string, readonly HeaderRule[]>();
  if (document.subgraphs !== undefined && document.subgraphs !== null) {
    if (!isRecord(document.subgraphs)) problems.push('subgraphs: must be a map of subgraph names');
    else
      for (const [name, value] of Object.entries(document.subgraphs))
        subgraphs.set(name, block(value, `subgraphs.${name}`, forbidden, problems));
  }
  return problems.length ? { ok: false, problems } : { ok: true, rules: { all, subgraphs } };
}

/** One `all` or subgraph block: `{ request: [rule, …] }`. */
function block(
  value: unknown,
  at: string,
  forbidden: ReadonlySet<string>,
  problems: string[],
): HeaderRule[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) {
    problems.push(`${at}: must be a map with \`request\``);
    return [];
  }
  for (const key of Object.keys(value))
    if (key !== 'request')
      problems.push(
        key === 'response'
          ? `${at}.response: response headers are not propagated (one response merges many subgraph answers)`
          : `${at}.${key}: unknown key; expected \`request\``,
      );
  if (value.request === undefined || value.request === null) return [];
  if (!Array.isArray(value.request)) {
    problems.push(`${at}.request: must be a list of rules`);
    return [];
  }
  const rules: HeaderRule[] = [];
  value.request.forEach((item, index) => {
    const rule = ruleOf(item, `${at}.request[${index}]`, forbidden, problems);
    if (rule) rules.push(rule);
  });
  return rules;
}

function ruleOf(
  item: unknown,
  at: string,
  forbidden: ReadonlySet<string>,
  problems: string[],
): HeaderRule | undefined {
  const actions = isRecord(item) ? Object.keys(item) : [];
  const action = actions[0];
  if (!isRecord(item) || actions.length !== 1 || !isAction(action)) {
    problems.push(`${at}: must be one of \`propagate\`, \`insert\` or \`remove\``);
    return undefined;
  }
  const options = item[action];
  const here = `${at}.${action}`;
  if (!isRecord(options)) {
    problems.push(`${here}: must be a map of options`);
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(options))
    if (!(OPTIONS[action] as readonly string[]).includes(key))
      problems.push(`${here}.${key}: unknown option; expected ${OPTIONS[action].join(', ')}`);
  const name = (key: string) => headerName(options[key], `${here}.${key}`, forbidden, problems);
  const value = (key: string) => fieldValue(options[key], `${here}.${key}`, problems);
  switch (action) {
    case 'insert': {
      const rule = { action, name: name('name'), value: value('value') } as const;
      return problems.length === before ? rule : undefined;
    }
    case 'remove':
    case 'propagate': {
      if ((options.named === undefined) === (options.matching === undefined)) {
        problems.push(`${here}: needs exactly one of \`named\` or \`matching\``);
        return undefined;
      }
      if (options.matching !== undefined) {
        for (const key of ['rename', 'default', 'normalize'])
          if (options[key] !== undefined)
            problems.push(`${here}.${key}: only goes with \`named\`, not \`matching\``);
        const matching = pattern(options.matching, `${here}.matching`, problems);
        return problems.length === before ? { action, matching: matching! } : undefined;
      }
      const named = name('named');
      if (action === 'remove') return problems.length === before ? { action, named } : undefined;
      const rule = {
        action,
        named,
        rename: options.rename === undefined ? undefined : name('rename'),
        default: options.default === undefined ? undefined : value('default'),
        normalize: normalizer(options.normalize, `${here}.normalize`, problems),
      };
      return problems.length === before ? rule : undefined;
    }
  }
}

function headerName(
  value: unknown,
  at: string,
  forbidden: ReadonlySet<string>,
  problems: string[],
): string {
  if (typeof value !== 'string' || !TOKEN.test(value.toLowerCase())) {
    problems.push(`${at}: must be a header name (got ${JSON.stringify(value) ?? 'nothing'})`);
    return '';
  }
  const name = value.toLowerCase();
  if (forbidden.has(name)) problems.push(`${at}: "${name}" is never sent to subgraphs`);
  return name;
}

function fieldValue(value: unknown, at: string, problems: string[]): string {
  const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  if (typeof text !== 'string' || !FIELD_VALUE.test(text))
    problems.push(`${at}: must be a header value: printable ASCII text`);
  else if (Buffer.byteLength(text) > MAX_VALUE_BYTES)
    problems.push(`${at}: longer than ${MAX_VALUE_BYTES} bytes`);
  else return text;
  return '';
}

function pattern(value: unknown, at: string, problems: string[]): RegExp | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.push(`${at}: must be a regular expression`);
    return undefined;
  }
  try {
    return new RegExp(value);
  } catch (error) {
    problems.push(`${at}: not a valid regular expression: ${firstLine(error)}`);
    return undefined;
  }
}

function normalizer(value: unknown, at: string, problems: string[]): Normalizer | undefined {
  if (value === undefined) return undefined;
  if ((NORMALIZERS as readonly unknown[]).includes(value)) return value as Normalizer;
  problems.push(`${at}: must be one of ${NORMALIZERS.join(', ')}`);
  return undefined;
}

function isAction(value: string | undefined): value is keyof typeof OPTIONS {
  return value === 'propagate' || value === 'insert' || value === 'remove';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!;
}
