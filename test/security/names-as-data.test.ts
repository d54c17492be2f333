/**
 * Names as data: operation, fragment, variable, alias and argument names equal to
 * `Object.prototype`'s own names (`__proto__`, `constructor`, `toString`…) are ordinary names.
 * Each answers like any other name: never a 500, never a logged stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { PROTOTYPE_NAMES } from './prototypeNames.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { RATE_LIMIT_CAPACITY: '100000000' } });
});
afterAll(async () => {
  await stack?.stop();
});

describe('names equal to Object.prototype members are data', { timeout: 60_000 }, () => {
  it.each(PROTOTYPE_NAMES)('operation name %s', async (name) => {
    const res = await stack.query(`query ${name} { __typename }`, { operationName: name });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ __typename: 'Query' });
  });

  it.each(PROTOTYPE_NAMES)('operation %s among several operations', async (name) => {
    const res = await stack.query(
      `query ${name} { products(first: 1) { id } } query other { __typename }`,
      { operationName: name },
    );
    expect(res.status).toBe(200);
    expect(res.body.data.products).toHaveLength(1);
    const unknown = await stack.query(`query ${name} { __typename } query other { __typename }`, {
      operationName: 'missing',
    });
    expect(unknown.status).toBe(400);
  });

  it.each(PROTOTYPE_NAMES)('fragment, variable, alias and argument named %s', async (name) => {
    const res = await stack.query(
      `query q($${name}: Int = 1) { ${name}: products(first: $${name}) { ...${name} } }
       fragment ${name} on Product { ${name}: id name }`,
      { variables: { [name]: 2 } },
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data[name]).toHaveLength(2);
    expect(typeof res.body.data[name][0][name]).toBe('string');
  });

  it.each(PROTOTYPE_NAMES)('alias %s on cached entity fields, served twice', async (name) => {
    const query = `{ ${name}: product(id: "p3") { ${name}: name seller { ${name}: name } } }`;
    const first = await stack.query(query);
    const second = await stack.query(query);
    for (const res of [first, second]) {
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(Object.keys(res.body.data[name])).toEqual([name, 'seller']);
      expect(typeof res.body.data[name][name]).toBe('string');
      expect(typeof res.body.data[name].seller[name]).toBe('string');
    }
    expect(second.body).toEqual(first.body);
  });

  it.each(PROTOTYPE_NAMES)('unknown argument named %s is a validation error', async (name) => {
    const res = await stack.query(`{ products(${name}: 1) { id } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it.each(PROTOTYPE_NAMES)(
    'an authenticated caller, operation %s through every subgraph',
    async (name) => {
      const token = await devToken('u1', 'read:email read:payments');
      const res = await stack.query(
        `query ${name} { me { name email payments(first: 1) { amount product { name } } } }`,
        { token, operationName: name },
      );
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.me.payments).toHaveLength(1);
    },
  );
});
