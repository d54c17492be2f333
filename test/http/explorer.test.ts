/**
 * The explorer over HTTP: served to browsers on `GET /graphql` outside production, its files from
 * the gateway itself (no CDN), off in production unless EXPLORER=on; GraphQL clients are unaffected.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, startStack, type Stack } from '../helpers/stack.js';
import { productionEnv } from '../security/helpers.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('development', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'development' } });
  });
  afterAll(() => stack?.stop());

  it('serves the explorer page to a browser, with every script from this origin', async () => {
    const res = await fetch(stack.url, { headers: { accept: HTML } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('vary')).toMatch(/accept/i);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await res.text();
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const source of sources) {
      expect(source.startsWith('/explorer/')).toBe(true);
      const asset = await fetch(new URL(source, stack.url));
      expect(asset.status, source).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    // Outside production, it starts with a development token that the gateway accepts.
    const token = /"Authorization":"Bearer ([^"]+)"/.exec(page)?.[1];
    expect(token).toBeTruthy();
    const me = await stack.query('{ me { name } }', { token: token! });
    expect(me.body.data.me.name).toBeTruthy();
  });

  it('answers GraphQL clients as before', async () => {
    const json = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: {
        accept: 'application/graphql-response+json, text/html',
        'apollo-require-preflight': 'true',
      },
    });
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({ data: { __typename: 'Query' } });
    expect((await fetch(`${stack.url.replace('/graphql', '')}/explorer/nope.js`)).status).toBe(404);
  });
});

describe('production', () => {
  const production = async (env: Record<string, string> = {}) =>
    startStack({ env: { ...(await productionEnv()), ...env } });

  it('serves no explorer unless EXPLORER=on, and never a development token', async () => {
    const off = await production();
    try {
      const res = await fetch(off.url, { headers: { accept: HTML } });
      expect(res.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
      const asset = await fetch(`${off.url.replace('/graphql', '')}/explorer/graphiql.js`);
      expect(asset.status).toBe(404);
    } finally {
      await off.stop();
    }
    const on = await production({ EXPLORER: 'on' });
    try {
      const res = await fetch(on.url, { headers: { accept: HTML } });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('/explorer/graphiql.js');
      expect(page).not.toContain('Bearer');
    } finally {
      await on.stop();
    }
  });

  it('answers a browser visit with the explorer off as a page not served, never a refusal', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const stack = await startStack({ env: await productionEnv(), log });
    try {
      const refusedBefore = await metric(
        stack,
        'gateway_requests_total{operation="none",code="BAD_REQUEST"}',
      );
      const res = await fetch(stack.url, { headers: { accept: HTML } });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('vary')).toMatch(/accept/i);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('NOT_FOUND');
      expect(lines.filter((line) => line.includes('request refused'))).toEqual([]);
      expect(
        await metric(stack, 'gateway_requests_total{operation="none",code="BAD_REQUEST"}'),
      ).toBe(refusedBefore);
      // A GraphQL client asking for JSON is answered as before.
      const json = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
      });
      expect(await json.json()).toMatchObject({ data: { __typename: 'Query' } });
    } finally {
      await stack.stop();
    }
  });
});
