/**
 * docs/security.md Part 1, G: Unicode and encoding tricks (cases 40–43). (The persisted-operation
 * side of case 41, that no pre-processor normalises a name, is in part1-h-persisted.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  expectNoLeaks,
  expectRefusedBeforeSubgraphs,
  expectStillServing,
  postRaw,
} from './helpers.js';

const PARSE = 'GRAPHQL_PARSE_FAILED';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: (Uint8Array | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => [...p]));

describe('G. Unicode and encoding tricks', () => {
  it('case 40: bad escapes in string literals are parse errors', async () => {
    for (const literal of [
      '\\uD800',
      '\\uDC00x',
      '\\u{110000}',
      '\\u12',
      '\\u{D800}',
      '\\x41',
      '\\',
    ])
      await expectRefusedBeforeSubgraphs(
        stack,
        () => stack.query(`{ product(id: "${literal}") { id } }`),
        { status: 400, code: PARSE },
      ).catch((error: Error) => {
        throw new Error(`${literal}: ${error.message}`);
      });
    // A valid surrogate pair is fine.
    const ok = await stack.query('{ product(id: "\\uD83D\\uDE00") { id } }');
    expect(ok.status).toBe(200);
  });

  it('case 41: homoglyphs and invisible characters in names are parse errors', async () => {
    for (const query of [
      '{ us\u0435r(id: "u1") { id } }', // Cyrillic е
      '{ us\u200Der(id: "u1") { id } }', // zero-width joiner
      '{ user\u200B(id: "u1") { id } }', // zero-width space
      '{ \uFF3F\uFF3Fschema { types { name } } }', // full-width ＿＿schema
      '{ \u00A0__typename }', // no-break space is not GraphQL whitespace
      '{ __typename\u2028 }', // line separator
    ])
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
        status: 400,
        code: PARSE,
      });
  });

  it('case 42: invalid UTF-8, BOM, UTF-16 and NUL bytes: 4xx or safe, never 5xx', async () => {
    const valid = '{"query":"{ __typename }"}';
    const bodies: [string, Uint8Array][] = [
      [
        'invalid UTF-8 in a variable',
        concat(
          utf8('{"query":"{ __typename }","variables":{"a":"'),
          [0xff, 0xfe, 0xc3],
          utf8('"}}'),
        ),
      ],
      [
        'invalid UTF-8 in the query',
        concat(utf8('{"query":"{ __type'), [0xc0, 0xaf], utf8('name }"}')),
      ],
      ['a UTF-8 BOM', concat([0xef, 0xbb, 0xbf], utf8(valid))],
      ['UTF-16LE', Uint8Array.from(Buffer.from(valid, 'utf16le'))],
      ['UTF-16BE with BOM', Uint8Array.from(Buffer.from(`\uFEFF${valid}`, 'utf16le').swap16())],
      ['a NUL after the JSON', concat(utf8(valid), [0])],
      ['a NUL inside the JSON', concat(utf8('{"query":"{ __type'), [0], utf8('name }"}'))],
      ['an escaped NUL in the query', utf8('{"query":"{ __typename \\u0000 }"}')],
      ['only NULs', new Uint8Array(64)],
    ];
    for (const [name, body] of bodies) {
      const response = await postRaw(stack.url, body);
      expect(response.status, `${name}: ${response.text.slice(0, 200)}`).toBeLessThan(500);
      expect(response.body, name).toBeTypeOf('object');
      expectNoLeaks(stack, response.body);
    }
    // CR/LF in variables and names never reach a forwarded header.
    stack.resetStats();
    const crlf = await stack.query('query($id: ID!) { product(id: $id) { id seller { name } } }', {
      variables: { id: 'p1\r\nx-injected: yes' },
    });
    expect(crlf.status).toBe(200);
    const split = await stack.query('{ __typename }', { operationName: 'a\r\nx-injected: yes' });
    expect(split.status).toBe(400);
    for (const subgraph of Object.values(stack.subgraphs))
      for (const received of subgraph.stats.received)
        expect(Object.keys(received.headers)).not.toContain('x-injected');
    await expectStillServing(stack);
  });

  it('case 43: simple (CSRF-able) content types are refused; JSON with a charset is served', async () => {
    const body = '{"query":"{ __typename }"}';
    for (const contentType of [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      stack.resetStats();
      const response = await postRaw(stack.url, body, { 'content-type': contentType });
      expect(response.status, contentType).toBe(400);
      expect(response.body.errors[0].extensions.code, contentType).toBe('BAD_REQUEST');
      expectNoLeaks(stack, response.body);
    }
    // No content type at all (a byte body): not JSON, refused too.
    const none = await fetch(stack.url, { method: 'POST', body: utf8(body) });
    expect(none.status).toBe(400);
    const ok = await postRaw(stack.url, body, {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ __typename: 'Query' });
  });
});
