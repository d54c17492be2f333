/**
 * docs/security.md Part 1, A: document size, parser, error amplification (cases 1–8).
 * The main stack runs with NODE_ENV unset (development), where Apollo Server's own defaults would
 * show stack traces: every answer here must still be free of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/limits/tokenLimitPlugin.js';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  documentOfTokens,
  expectNoLeaks,
  expectRefusedBeforeSubgraphs,
  expectStillServing,
  nest,
  repeat,
  requestsCounted,
} from './helpers.js';

const PARSE = 'GRAPHQL_PARSE_FAILED';
const VALIDATION = 'GRAPHQL_VALIDATION_FAILED';
/** The character cap (`MAX_QUERY_CHARS`) answers as a parse failure; the token cap has its own code. */
const SIZE_CODES = [PARSE, 'MAX_TOKENS_LIMIT'];

let stack: Stack;
/** Token and character caps raised, for cases that must reach the parser or validation. */
let raised: Stack;

beforeAll(async () => {
  stack = await startStack({ env: { NODE_ENV: '' } });
  raised = await startStack({
    env: { NODE_ENV: '', MAX_TOKENS: '200000', MAX_QUERY_CHARS: '900000' },
  });
});
afterAll(async () => {
  await Promise.all([stack?.stop(), raised?.stop()]);
});

/** Runs `send` and checks it was answered within a coarse bound (never a timing assertion). */
async function within<T>(ms: number, send: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await send();
  expect(Date.now() - started).toBeLessThan(ms);
  return result;
}

describe('A. document size, parser, error amplification', () => {
  it('case 1: token limit at N and N+1', async () => {
    const n = stack.config.limits.maxTokens;
    // The fixture really has N tokens (the lexer's count, comments excluded).
    expect(countTokens(documentOfTokens(n), n + 10)).toBe(n);
    expect(countTokens(documentOfTokens(n + 1), n + 10)).toBe(n + 1);

    const ok = await stack.query(documentOfTokens(n), { operationName: 'q1' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data).toEqual({ __typename: 'Query' });

    const before = await requestsCounted(stack, 'MAX_TOKENS_LIMIT');
    await within(2000, () =>
      expectRefusedBeforeSubgraphs(
        stack,
        () => stack.query(documentOfTokens(n + 1), { operationName: 'q1' }),
        // docs/architecture.md: the token cap has its own code, MAX_TOKENS_LIMIT (HTTP 400).
        { status: 400, code: 'MAX_TOKENS_LIMIT' },
      ),
    );
    expect(await requestsCounted(stack, 'MAX_TOKENS_LIMIT')).toBe(before + 1);
    await expectStillServing(stack);
  });

  it('case 2: unhandled parse errors (NODE_ENV unset) carry no exception or stack trace', async () => {
    expect(stack.config.nodeEnv).toBe('development');
    for (const query of [
      'qwerty cop { abc }',
      'test',
      '{',
      '}}}}',
      '{ product(id: "p1") { name }',
    ]) {
      const response = await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
        status: 400,
        code: PARSE,
      });
      expect(response.body.errors[0].extensions).not.toHaveProperty('exception');
      expect(response.body.errors[0].extensions).not.toHaveProperty('stacktrace');
    }
    await expectStillServing(stack);
  });

  it('case 3: size bypasses of the token limit (one huge string, comments, a huge name)', async () => {
    const { maxQueryChars, maxBodyBytes } = stack.config.limits;
    const mb = 1024 * 1024;
    const cases: [string, string, number, string | string[]][] = [
      // Over the body cap: refused before JSON parsing, 413.
      [
        '(a) a 1 MB string literal',
        `{ user(id: "${'x'.repeat(mb)}") { id } }`,
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      ['(b) 1 MB of comments', `{ __typename }\n${'#'.repeat(mb)}`, 413, 'PAYLOAD_TOO_LARGE'],
      // Under the body cap, over the character cap: 400 before parsing.
      [
        '(a) a string literal over the character cap',
        `{ user(id: "${'x'.repeat(maxQueryChars)}") { id } }`,
        400,
        PARSE,
      ],
      [
        '(b) comments over the character cap',
        `{ __typename }\n${`#${'c'.repeat(99)}\n`.repeat(maxQueryChars / 100 + 1)}`,
        400,
        PARSE,
      ],
      ['(c) a field name of 100,000 characters', `{ ${'f'.repeat(100_000)} }`, 400, PARSE],
    ];
    expect(mb).toBeGreaterThan(maxBodyBytes);
    for (const [name, query, status, code] of cases) {
      await within(2000, () =>
        expectRefusedBeforeSubgraphs(stack, () => stack.query(query), { status, code }),
      ).catch((error: Error) => {
        throw new Error(`${name}: ${error.message}`);
      });
    }
    await expectStillServing(stack);
  });

  it('case 4: parser recursion 5,000 levels deep (token cap raised) is a 400, never a crash', async () => {
    const unknownFields = `${'{a'.repeat(5000)}${'}'.repeat(5000)}`;
    const realFields = `{ ${nest(5000)} }`;
    for (const query of [unknownFields, realFields]) {
      await expectRefusedBeforeSubgraphs(raised, () => raised.query(query), {
        status: 400,
        code: [PARSE, VALIDATION, 'MAX_DEPTH_LIMIT'],
      });
    }
    // With the default caps the same documents never reach the parser's recursion.
    for (const query of [unknownFields, realFields])
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
        status: 400,
        code: SIZE_CODES,
      });
    await expectStillServing(raised);
  });

  it('case 5: thousands of operations, and a document whose operation cannot be chosen', async () => {
    const many = repeat(5000, (i) => `query q${i} { __typename }`);
    for (const operationName of ['q1', undefined])
      await within(2000, () =>
        expectRefusedBeforeSubgraphs(stack, () => stack.query(many, { operationName }), {
          status: 400,
          code: SIZE_CODES,
        }),
      );
    // Within the caps: several operations and no (or an unknown) operationName is a client error.
    const two = 'query a { product(id: "p1") { name } } query b { products(first: 1) { name } }';
    for (const operationName of [undefined, 'nope'])
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(two, { operationName }), {
        status: 400,
        code: ['OPERATION_RESOLUTION_FAILURE', VALIDATION, 'BAD_REQUEST'],
      });
    const chosen = await stack.query(two, { operationName: 'b' });
    expect(chosen.status).toBe(200);
    expect(chosen.body.data.products).toHaveLength(1);
  });

  it('case 6: 10,000 fragment definitions are refused by the caps, never a RangeError', async () => {
    const fragments =
      `{ ${repeat(10_000, (i) => `...F${i}`)} } ` +
      repeat(10_000, (i) => `fragment F${i} on Query { __typename }`);
    await within(2000, () =>
      expectRefusedBeforeSubgraphs(stack, () => stack.query(fragments), {
        status: 400,
        code: SIZE_CODES,
      }),
    );
    // Caps raised: graphql-js's validation budgets bound the work; a 4xx or a 200, never a 5xx.
    const response = await within(10_000, () => raised.query(fragments));
    expect(response.status).toBeLessThan(500);
    expectNoLeaks(raised, response.body);
    await expectStillServing(raised);
  });

  it('case 7: validation errors are capped at 100 (+1 "aborted"), the response bounded', async () => {
    const query = `{ ${repeat(10_000, (i) => `f${i}`)} }`;
    const response = await within(5000, () =>
      expectRefusedBeforeSubgraphs(raised, () => raised.query(query), {
        status: 400,
        code: VALIDATION,
      }),
    );
    const errors = response.body.errors as { message: string }[];
    expect(errors.length).toBeLessThanOrEqual(101);
    expect(errors.at(-1)!.message).toMatch(/Too many validation errors.*Validation aborted/);
    expect(JSON.stringify(response.body).length).toBeLessThan(64 * 1024);
  });

  it('case 8: directive overloading: unknown directives, then N and N+1 known ones', async () => {
    const cop = `query cop { __typename ${'@aa'.repeat(10)} }`;
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(cop), {
      status: 400,
      code: VALIDATION,
    });
    const n = stack.config.limits.maxDirectives;
    const fields = ['id', 'name', 'price', 'inStock', 'description'];
    const directives = (count: number) =>
      `{ product(id: "p1") { ${repeat(count, (i) => `${fields[i % fields.length]} @include(if: true)`)} } }`;
    const ok = await stack.query(directives(n));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data.product.name).toBeTruthy();
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(directives(n + 1)), {
      status: 400,
      code: 'MAX_DIRECTIVES_LIMIT',
    });
  });
});
