/**
 * `PLAN_EXECUTION`: the compiled executor (default) and `@apollo/gateway`'s own answer every screen
 * and the edge cases of shaping (introspection beside subgraph fields, a plan with no fetch, a
 * @skip/@include variable with a default, errors from a subgraph, invalid arguments) with the
 * same body, errors and their messages included, and each gateway counts the executor it used.
 * The differential test compares the compiled executor with plain `@apollo/gateway` at large.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

const root = path.resolve(import.meta.dirname, '../..');

let compiled: Stack;
let apollo: Stack;
let token: string;

beforeAll(async () => {
  [compiled, apollo] = await Promise.all([
    startStack({ env: { CACHE_ENABLED: 'false' } }),
    startStack({ env: { CACHE_ENABLED: 'false', PLAN_EXECUTION: 'apollo' } }),
  ]);
  token = await devToken('u42', 'read:email read:payments admin:products', { ttlSec: 3600 });
});

afterAll(async () => {
  await Promise.all([compiled?.stop(), apollo?.stop()]);
});

const executions = (stack: Stack, executor: string) =>
  metric(stack, `gateway_plan_executions_total{executor="${executor}"}`);

/** Status, data and errors (messages, paths, codes) as the client reads them. */
const visible = (response: GraphQLResponse) => {
  const body = response.body as { data?: unknown; errors?: unknown };
  return JSON.stringify({ status: response.status, data: body.data, errors: body.errors });
};

async function both(query: string, variables?: Record<string, unknown>) {
  const options = { token, ...(variables ? { variables } : {}) };
  const [a, b] = await Promise.all([compiled.query(query, options), apollo.query(query, options)]);
  return { compiled: a, apollo: b };
}

describe('PLAN_EXECUTION=compiled and =apollo', () => {
  const screens = fs
    .readdirSync(path.join(root, 'operations'))
    .filter((f) => f.endsWith('.graphql'))
    .sort();

  it.each(screens)('answer %s the same', async (file) => {
    const query = fs.readFileSync(path.join(root, 'operations', file), 'utf8');
    const header = /^#\s*variables:\s*(\{.*\})\s*$/m.exec(query);
    const variables = header?.[1] ? (JSON.parse(header[1]) as Record<string, unknown>) : undefined;
    const answers = await both(query, variables);
    expect(answers.compiled.status).toBe(200);
    expect((answers.compiled.body as { data?: unknown }).data).toBeTruthy();
    expect(visible(answers.compiled)).toBe(visible(answers.apollo));
  });

  it.each([
    [
      'introspection beside subgraph fields',
      '{ __schema { queryType { name } } product(id: "p1") { name } __type(name: "Product") { name kind } }',
    ],
    ['a plan with no fetch', '{ __typename t: __typename }'],
    [
      'a @skip variable with a default, and an aliased __typename on an entity',
      'query Q($hide: Boolean = true) { product(id: "p2") { id kind: __typename seller @skip(if: $hide) { name } price } }',
    ],
    [
      'unknown ids and an out-of-range argument',
      '{ product(id: "p0") { id } products(first: 101) { id } user(id: "nope") { name } }',
    ],
    [
      'an error from a subgraph inside a list of entities',
      '{ products(first: 3) { id seller { products(first: 200) { id } name } } }',
    ],
  ])('answer %s the same', async (name, query) => {
    const answers = await both(query);
    const errors = (answers.compiled.body as { errors?: unknown[] }).errors;
    // the last two cases are about errors: they must have some to compare
    expect(errors !== undefined).toBe(/error|unknown/.test(name));
    expect(visible(answers.compiled)).toBe(visible(answers.apollo));
  });

  it('count the executor each gateway used', async () => {
    const before = await Promise.all([
      executions(compiled, 'compiled'),
      executions(apollo, 'apollo'),
    ]);
    await both('{ products(first: 2) { name seller { name } } }');
    expect(await executions(compiled, 'compiled')).toBe(before[0] + 1);
    expect(await executions(apollo, 'apollo')).toBe(before[1] + 1);
    expect(await executions(compiled, 'apollo')).toBe(0);
    expect(await executions(apollo, 'compiled')).toBe(0);
  });
});
