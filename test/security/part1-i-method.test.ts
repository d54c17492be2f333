/**
 * docs/security.md Part 1, I: CSRF and method (cases 48–49).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { expectNoLeaks, getGraphQL, subgraphRequests } from './helpers.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('I. CSRF and method', () => {
  it('case 48: an unpreflighted GET is refused; with a preflight header it is served', async () => {
    const unpreflighted: Record<string, string>[] = [
      {},
      { 'content-type': 'text/plain' },
      { 'apollo-require-preflight': '' },
    ];
    for (const headers of unpreflighted) {
      const refused = await getGraphQL(stack.url, { query: '{ __typename }' }, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(400);
      expect(refused.body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(refused.body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
      expectNoLeaks(stack, refused.body);
    }
    const preflighted: Record<string, string>[] = [
      { 'apollo-require-preflight': 'true' },
      { 'x-apollo-operation-name': 'T' },
    ];
    for (const headers of preflighted) {
      const ok = await getGraphQL(stack.url, { query: '{ __typename }' }, headers);
      expect(ok.status, JSON.stringify(headers)).toBe(200);
      expect(ok.body.data).toEqual({ __typename: 'Query' });
    }
  });

  it('case 49: a GET mutation is 405 with Allow: POST, nothing executed', async () => {
    const token = await devToken('get-mutation');
    const cases: Record<string, string>[] = [
      { query: 'mutation cop { __typename }' },
      { query: 'mutation { createPayment(productId: "p1") { id } }' },
      {
        query: 'query a { __typename } mutation b { createPayment(productId: "p1") { id } }',
        operationName: 'b',
      },
    ];
    for (const params of cases) {
      stack.resetStats();
      const response = await getGraphQL(stack.url, params, {
        'apollo-require-preflight': 'true',
        authorization: `Bearer ${token}`,
      });
      expect(response.status, params.query).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(response.body.errors[0].message).toMatch(/GET requests only support query operations/);
      expect(response.body.data ?? null).toBeNull();
      expect(subgraphRequests(stack)).toBe(0);
      expectNoLeaks(stack, response.body);
    }
  });
});
