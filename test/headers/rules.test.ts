/** The header rules' pure parts: parsing and validating the file, applying rules, normalisers. */
import { describe, expect, it } from 'vitest';
import {
  applyHeaderRules,
  headersRead,
  headerVariation,
  rulesFor,
  type InboundHeaders,
} from '../../src/headers/apply.js';
import { forbiddenHeaders } from '../../src/headers/forbidden.js';
import { preferredLanguage } from '../../src/headers/normalize.js';
import {
  MAX_HEADERS,
  MAX_VALUE_BYTES,
  parseHeaderRules,
  type HeaderRules,
} from '../../src/headers/rules.js';
import { languageOf } from '../../subgraphs/shared/language.js';

const forbidden = forbiddenHeaders('x-api-key');

function rules(text: string): HeaderRules {
  const parsed = parseHeaderRules(text, forbidden);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.rules;
}

function problems(text: string): readonly string[] {
  const parsed = parseHeaderRules(text, forbidden);
  return parsed.ok ? [] : parsed.problems;
}

/** What `subgraph` receives for these client headers under these rules. */
function sent(text: string, subgraph: string, inbound: InboundHeaders) {
  return applyHeaderRules(rulesFor(rules(text), subgraph), inbound, forbidden);
}

const EXAMPLE = `
all:
  request:
    - insert: { name: x-gateway, value: "1" }
subgraphs:
  product:
    request:
      - propagate: { named: accept-language }
`;

describe('parseHeaderRules', () => {
  it('accepts the Router format, in YAML, in JSON, and with the `headers:` wrapper', () => {
    const yaml = rules(EXAMPLE);
    expect(yaml.all).toHaveLength(1);
    expect(yaml.subgraphs.get('product')).toHaveLength(1);
    const json = rules(
      JSON.stringify({
        all: { request: [{ insert: { name: 'x-gateway', value: '1' } }] },
        subgraphs: { product: { request: [{ propagate: { named: 'accept-language' } }] } },
      }),
    );
    expect(json).toEqual(yaml);
    expect(rules(`headers:\n${EXAMPLE.replace(/^/gm, '  ')}`)).toEqual(yaml);
  });

  it('accepts an empty file as no rules', () => {
    expect(rules('')).toEqual({ all: [], subgraphs: new Map() });
  });

  it('reports every problem at once, one line each, naming where it is', () => {
    const found = problems(`
all:
  request:
    - propagate: { named: Authorization }
    - propagate: { named: accept-language, rename: cookie }
    - insert: { name: x-api-key, value: secret }
    - remove: { named: host }
    - propagate: { matching: "[" }
    - propagate: { named: a, matching: b }
    - copy: { named: x }
    - insert: { name: "bad name", value: "x" }
    - insert: { name: x-ok, value: "line\\nbreak" }
    - propagate: { named: accept-language, normalize: french }
    - propagate: { matching: ".*", default: x }
  response:
    - propagate: { named: x-served-by }
subgraphs:
  product:
    request:
      - propagate: { named: te }
      - insert: { name: x-long, value: "${'a'.repeat(MAX_VALUE_BYTES + 1)}" }
extra: 1
`);
    expect(found).toEqual([
      'extra: unknown key; expected `all` or `subgraphs`',
      'all.response: response headers are not propagated (one response merges many subgraph answers)',
      'all.request[0].propagate.named: "authorization" is never sent to subgraphs',
      'all.request[1].propagate.rename: "cookie" is never sent to subgraphs',
      'all.request[2].insert.name: "x-api-key" is never sent to subgraphs',
      'all.request[3].remove.named: "host" is never sent to subgraphs',
      expect.stringMatching(
        /^all\.request\[4\]\.propagate\.matching: not a valid regular expression/,
      ),
      'all.request[5].propagate: needs exactly one of `named` or `matching`',
      'all.request[6]: must be one of `propagate`, `insert` or `remove`',
      'all.request[7].insert.name: must be a header name (got "bad name")',
      'all.request[8].insert.value: must be a header value: printable ASCII text',
      'all.request[9].propagate.normalize: must be one of language, lowercase',
      'all.request[10].propagate.default: only goes with `named`, not `matching`',
      'subgraphs.product.request[0].propagate.named: "te" is never sent to subgraphs',
      `subgraphs.product.request[1].insert.value: longer than ${MAX_VALUE_BYTES} bytes`,
    ]);
  });

  it('reports a file that is not YAML or JSON in one line', () => {
    const found = problems('all: [unclosed');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^not valid YAML or JSON: /);
  });

  it.each([
    ['authorization'],
    ['cookie'],
    ['proxy-authorization'],
    ['x-api-key'],
    ['connection'],
    ['keep-alive'],
    ['te'],
    ['transfer-encoding'],
    ['upgrade'],
    ['content-length'],
    ['host'],
  ])('refuses a rule naming %s', (name) => {
    expect(
      problems(`all: { request: [ { propagate: { named: ${name.toUpperCase()} } } ] }`),
    ).toEqual([`all.request[0].propagate.named: "${name}" is never sent to subgraphs`]);
  });

  it('forbids the configured API-key header, whatever its name', () => {
    const custom = forbiddenHeaders('X-Client-Key');
    const parsed = parseHeaderRules(
      'all: { request: [ { propagate: { named: x-client-key } } ] }',
      custom,
    );
    expect(parsed.ok).toBe(false);
  });
});

describe('applyHeaderRules', () => {
  it('runs `all` first, then the subgraph’s own rules; other subgraphs get `all` only', () => {
    const inbound = { 'accept-language': 'fr', 'x-tenant': 't1' };
    expect(sent(EXAMPLE, 'product', inbound)).toEqual({
      'x-gateway': '1',
      'accept-language': 'fr',
    });
    expect(sent(EXAMPLE, 'user', inbound)).toEqual({ 'x-gateway': '1' });
  });

  it.each([
    // [rules of `all`, client headers, sent]
    ['- propagate: { named: X-Tenant }', { 'x-tenant': 't1' }, { 'x-tenant': 't1' }],
    ['- propagate: { named: x-tenant }', {}, {}],
    ['- propagate: { named: x-tenant, default: none }', {}, { 'x-tenant': 'none' }],
    ['- propagate: { named: x-tenant, rename: x-org }', { 'x-tenant': 't1' }, { 'x-org': 't1' }],
    ['- propagate: { named: x-ab, rename: x-org, default: d }', {}, { 'x-org': 'd' }],
    [
      '- propagate: { matching: "^x-" }',
      { 'x-a': '1', 'x-b': '2', y: '3' },
      { 'x-a': '1', 'x-b': '2' },
    ],
    [
      '- propagate: { matching: ".*" }',
      { cookie: 'c', 'x-api-key': 'k', te: 't', a: '1' },
      { a: '1' },
    ],
    ['- propagate: { matching: ".*" }\n    - remove: { named: a }', { a: '1', b: '2' }, { b: '2' }],
    [
      '- propagate: { matching: ".*" }\n    - remove: { matching: "^x-" }',
      { 'x-a': '1', b: '2' },
      { b: '2' },
    ],
    ['- remove: { named: a }\n    - propagate: { named: a }', { a: '1' }, { a: '1' }],
    [
      '- insert: { name: x-v, value: 1 }\n    - insert: { name: x-v, value: 2 }',
      {},
      { 'x-v': '2' },
    ],
    ['- propagate: { named: x-a }', { 'x-a': ['1', '2'] }, { 'x-a': '1, 2' }],
    [
      '- propagate: { named: x-a, default: d }',
      { 'x-a': 'a'.repeat(MAX_VALUE_BYTES + 1) },
      { 'x-a': 'd' },
    ],
    [
      '- propagate: { named: accept-language, normalize: language }',
      { 'accept-language': 'fr-FR,fr;q=0.9' },
      { 'accept-language': 'fr' },
    ],
    [
      '- propagate: { named: accept-language, normalize: language, default: en }',
      { 'accept-language': '*' },
      { 'accept-language': 'en' },
    ],
    ['- propagate: { named: x-a, default: d }', { 'x-a': 'bad\x7fvalue' }, { 'x-a': 'd' }],
    ['- propagate: { named: x-a, normalize: lowercase }', { 'x-a': ' MiXed ' }, { 'x-a': 'mixed' }],
  ] as const)('%s with %j sends %j', (rule, inbound, expected) => {
    expect(sent(`all:\n  request:\n    ${rule}\n`, 'any', inbound)).toEqual(expected);
  });

  it(`sends at most ${MAX_HEADERS} headers`, () => {
    const inbound = Object.fromEntries(
      Array.from({ length: MAX_HEADERS + 10 }, (_, i) => [`x-${i}`, String(i)]),
    );
    const out = sent('all: { request: [ { propagate: { matching: "^x-" } } ] }', 'any', inbound);
    expect(Object.keys(out)).toHaveLength(MAX_HEADERS);
  });
});

describe('headerVariation and headersRead', () => {
  it('is empty without headers, and equal for equal headers in any order', () => {
    expect(headerVariation({})).toBe('');
    expect(headerVariation({ a: '1', b: '2' })).toBe(headerVariation({ b: '2', a: '1' }));
    expect(headerVariation({ a: '1' })).not.toBe(headerVariation({ a: '2' }));
  });

  it('names the client headers the rules read, never a forbidden one', () => {
    const text = `
all: { request: [ { propagate: { matching: "^(x-|cookie)" } } ] }
subgraphs: { product: { request: [ { propagate: { named: accept-language } } ] } }
`;
    const read = headersRead(rules(text), { 'x-tenant': 't', cookie: 'c', other: 'o' }, forbidden);
    expect(read.sort()).toEqual(['accept-language', 'x-tenant']);
  });
});

describe('language negotiation', () => {
  it.each([
    ['fr-FR,fr;q=0.9,en;q=0.8', 'fr'],
    ['en-US,en;q=0.9,fr;q=0.8', 'en'],
    ['de;q=1,fr;q=0.5', 'de'],
    ['fr;q=0,en', 'en'],
    ['*', undefined],
    ['', undefined],
    ['12,@@', undefined],
  ])('the gateway normaliser reads %j as %s', (value, expected) => {
    expect(preferredLanguage(value)).toBe(expected);
  });

  it.each([
    ['fr', 'fr'],
    ['fr-CA', 'fr'],
    ['de,fr;q=0.5', 'fr'],
    ['de', 'en'],
    [undefined, 'en'],
    ['en;q=0.2,fr;q=0.9', 'fr'],
  ])('the product subgraph serves %j in %s', (value, expected) => {
    expect(languageOf(value)).toBe(expected);
  });
});
