/**
 * What the gateway does not execute is refused over HTTP with 400 and a stable code, never run on
 * another executor: a subscription (the schema declares one), and `@defer` (not in the API schema).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEDERATION_LINK, startFixture, type Fixture } from '../federation/harness.js';

interface Body {
  data?: unknown;
  errors?: { extensions?: { code?: string } }[];
}

let fixture: Fixture;
beforeAll(async () => {
  fixture = await startFixture([
    {
      name: 'events',
      sdl: `${FEDERATION_LINK}
        type Query { event: Event }
        type Subscription { events: Event }
        type Event @key(fields: "id") { id: ID! name: String }`,
      resolvers: { Query: { event: () => ({ id: 'e1', name: 'launch' }) } },
    },
  ]);
});
afterAll(() => fixture?.stop());

describe('unsupported operations', () => {
  it('answers a query', async () => {
    const response = await fixture.query('{ event { id name } }');
    expect(response.status).toBe(200);
    expect((response.body as Body).data).toEqual({ event: { id: 'e1', name: 'launch' } });
  });

  it('refuses a subscription with 400 OPERATION_NOT_SUPPORTED', async () => {
    const response = await fixture.query('subscription { events { id } }');
    expect(response.status).toBe(400);
    expect((response.body as Body).errors?.[0]?.extensions?.code).toBe('OPERATION_NOT_SUPPORTED');
  });

  it('refuses @defer with 400', async () => {
    const response = await fixture.query('{ event { id ... @defer { name } } }');
    expect(response.status).toBe(400);
    expect((response.body as Body).data).toBeUndefined();
  });
});
