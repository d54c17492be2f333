/**
 * Fuzz (docs/security.md cases 121–122, bounded): random documents built from the real schema's
 * names, random variables, random bodies, content types and tokens against a running production
 * gateway. Every answer: no 5xx, valid JSON, no leak; afterwards the gateway still serves.
 *
 * Deterministic: the seed is `FUZZ_SEED` or a fixed default, and fast-check prints the seed and
 * the counterexample's path on failure (replay with `FUZZ_SEED=<seed>`). Each property runs at
 * most 200 times and at most a few seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Kind, parse, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../../subgraphs/shared/names.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { expectStillServing, leaksIn, productionEnv } from './helpers.js';
import { PROTOTYPE_NAMES } from './prototypeNames.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5ec_2025);
const RUNS = 200;
const TIME_PER_PROPERTY_MS = 5000;

let stack: Stack;
beforeAll(async () => {
  const env = await productionEnv();
  stack = await startStack({ env: { ...env, RATE_LIMIT_CAPACITY: '100000000' } });
});
afterAll(async () => {
  await stack?.stop();
});

/** Field, argument, type and enum value names of the three real subgraph schemas. */
function schemaNames(): string[] {
  const names = new Set<string>();
  for (const name of SUBGRAPH_NAMES) {
    const sdl = fs.readFileSync(
      path.resolve(import.meta.dirname, '../../subgraphs', name, 'schema.graphql'),
      'utf8',
    );
    visit(parse(sdl), {
      enter(node) {
        if ('name' in node && node.name?.kind === Kind.NAME) names.add(node.name.value);
      },
    });
  }
  return [...names];
}

const NAMES = schemaNames();
const PUNCTUATORS = ['{', '}', '(', ')', ':', '[', ']', '!', '$', '@', '=', '|', '&', '...', ','];
const WORDS = [
  'query',
  'mutation',
  'subscription',
  'fragment',
  'on',
  'true',
  'null',
  '__typename',
  '__schema',
  '__type',
  'include',
  'skip',
  'if',
];

const token = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 4, arbitrary: fc.constantFrom(...PUNCTUATORS) },
  { weight: 2, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 1, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8, unit: 'binary' }) },
);

/** A selection built from schema names, nested; valid-looking, often wrong. */
const selection: fc.Arbitrary<string> = fc.letrec<{ set: string }>((tie) => ({
  set: fc
    .array(
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(...NAMES),
        fc.tuple(fc.constantFrom(...NAMES), tie('set')).map(([f, s]) => `${f} ${s}`),
        fc
          .tuple(
            fc.constantFrom(...NAMES),
            fc.constantFrom(...NAMES),
            fc.integer({ min: -5, max: 5000 }),
          )
          .map(([f, a, n]) => `${f}(${a}: ${n})`),
        fc.tuple(fc.constantFrom(...NAMES), tie('set')).map(([t, s]) => `... on ${t} ${s}`),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((items) => `{ ${items.join(' ')} }`),
})).set;

const document = fc.oneof(
  fc.array(token, { maxLength: 60 }).map((tokens) => tokens.join(' ')),
  selection,
  fc
    .tuple(fc.constantFrom('query', 'mutation', 'query Q($v: ID)', ''), selection)
    .map((p) => p.join(' ')),
);

const jsonValue = fc.jsonValue({ maxDepth: 6 });
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/graphql-response+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/graphql',
  '',
];

interface Sent {
  readonly status: number;
  readonly text: string;
}

async function send(init: RequestInit & { search?: string }): Promise<Sent> {
  const { search = '', ...rest } = init;
  const response = await fetch(`${stack.url}${search}`, rest);
  return { status: response.status, text: await response.text() };
}

/** The invariant of every answer to client input. */
function expectSafe(sent: Sent): void {
  expect(sent.status, sent.text.slice(0, 300)).toBeLessThan(500);
  expect(() => JSON.parse(sent.text) as unknown, sent.text.slice(0, 300)).not.toThrow();
  expect(leaksIn(stack, sent.text), sent.text.slice(0, 300)).toEqual([]);
}

async function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>) {
  await fc.assert(fc.asyncProperty(arbitrary, predicate), {
    seed: SEED,
    numRuns: RUNS,
    plugins: [fc.interruptAfterTimeLimit(TIME_PER_PROPERTY_MS)],
  });
}

const json = { 'content-type': 'application/json' };

describe('fuzz (bounded, deterministic seed)', () => {
  it("random documents from the schema's names", async () => {
    await check(
      fc.tuple(document, fc.option(fc.constantFrom('Q', 'q1', ''))),
      async ([query, operationName]) => {
        expectSafe(
          await send({
            method: 'POST',
            headers: json,
            body: JSON.stringify({ query, operationName }),
          }),
        );
      },
    );
  }, 60_000);

  it('operation, fragment, variable, alias and argument names like __proto__', async () => {
    const name = fc.constantFrom(...PROTOTYPE_NAMES, 'Q', 'id', 'first');
    // Mostly valid documents, so the names reach validation's later rules, limits and execution.
    const field = fc.constantFrom('id', 'name', 'price', '__typename');
    const argument = fc.oneof({ weight: 3, arbitrary: fc.constant('first') }, name);
    await check(
      fc.record({ op: name, frag: name, variable: name, alias: name, arg: argument, field }),
      async ({ op, frag, variable, alias, arg, field: f }) => {
        const query =
          `query ${op}($${variable}: Int = 1) { ${alias}: products(${arg}: $${variable}) ` +
          `{ ...${frag} ${alias}: ${f} } } fragment ${frag} on Product { ${alias}: ${f} } ` +
          `query other { __typename }`;
        expectSafe(
          await send({
            method: 'POST',
            headers: json,
            body: JSON.stringify({ query, operationName: op, variables: { [variable]: 2 } }),
          }),
        );
      },
    );
  }, 60_000);

  it('random variables for real operations', async () => {
    const operations = [
      'query($id: ID!) { product(id: $id) { name seller { name } } }',
      'query($n: Int, $a: String) { products(first: $n, after: $a) { id } }',
      'query($b: Boolean!) { product(id: "p1") { name @include(if: $b) } }',
      'mutation($p: ID!) { createPayment(productId: $p) { id } }',
    ];
    await check(
      fc.tuple(
        fc.constantFrom(...operations),
        fc.oneof(
          fc.dictionary(fc.constantFrom('id', 'n', 'a', 'b', 'p', '__proto__', 'x'), jsonValue),
          jsonValue,
        ),
      ),
      async ([query, variables]) => {
        expectSafe(
          await send({ method: 'POST', headers: json, body: JSON.stringify({ query, variables }) }),
        );
      },
    );
  }, 60_000);

  it('random bodies, content types, methods and query strings', async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200, unit: 'binary' }),
      fc.uint8Array({ maxLength: 200 }),
      jsonValue.map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            query: fc.oneof(document, jsonValue),
            variables: jsonValue,
            extensions: jsonValue,
            operationName: jsonValue,
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    );
    const search = fc
      .dictionary(
        fc.constantFrom('query', 'variables', 'extensions', 'operationName', 'documentId', 'x'),
        fc.oneof(document, fc.string({ maxLength: 40 })),
        { maxKeys: 4 },
      )
      .map((params) => `?${new URLSearchParams(params).toString()}`);
    await check(
      fc.tuple(
        fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'OPTIONS'),
        fc.constantFrom(...CONTENT_TYPES),
        body,
        search,
        fc.boolean(),
      ),
      async ([method, contentType, payload, query, preflight]) => {
        const headers: Record<string, string> = {};
        if (contentType) headers['content-type'] = contentType;
        if (preflight) headers['apollo-require-preflight'] = 'true';
        const withBody = method !== 'GET' && method !== 'OPTIONS';
        const sent = await send({
          method,
          headers,
          search: query,
          ...(withBody ? { body: payload } : {}),
        });
        // OPTIONS and unknown methods may answer without a body; 5xx never.
        if (sent.text === '') expect(sent.status).toBeLessThan(500);
        else expectSafe(sent);
      },
    );
  }, 60_000);

  it('random bearer tokens', async () => {
    const header = fc.oneof(
      fc.stringMatching(/^[\x21-\x7e]{0,300}$/),
      fc.tuple(jsonValue, jsonValue, fc.string({ maxLength: 40 })).map(([h, p, s]) =>
        [h, p]
          .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
          .concat(s)
          .join('.'),
      ),
    );
    await check(
      fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'Basic ', ''), header),
      async ([scheme, value]) => {
        const sent = await send({
          method: 'POST',
          headers: { ...json, authorization: `${scheme}${value}` },
          body: JSON.stringify({ query: '{ product(id: "p1") { name } }' }),
        });
        expectSafe(sent);
      },
    );
  }, 60_000);

  it('the gateway still serves after the fuzzing', async () => {
    await expectStillServing(stack);
  });
});
