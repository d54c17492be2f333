/**
 * CORS as a browser meets it: preflights, the headers on answers and on errors, the development
 * and production defaults, credentials, and origins that are not allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

const APP = 'https://app.example.com';
const CHECKOUT = '{ me { name } products(first: 2) { name price } }';

function preflight(url: string, origin: string, requestHeaders = 'content-type, authorization') {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': requestHeaders,
    },
  });
}

function post(url: string, origin: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const allowHeaders = (res: Response) =>
  [...res.headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('configured origins (CORS_ORIGINS)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: {
        CORS_ORIGINS: `${APP}, /https:\\/\\/[a-z0-9-]+\\.preview\\.example\\.com/`,
        CORS_ALLOW_HEADERS: 'x-tenant',
        CORS_MAX_AGE: '600',
        RATE_LIMIT_CAPACITY: '500',
        RATE_LIMIT_REFILL_PER_SECOND: '1',
      },
    });
  });
  afterAll(() => stack?.stop());

  it('answers a preflight from an allowed origin with 204 and what clients send', async () => {
    const res = await preflight(stack.url, APP, 'content-type, authorization, x-tenant');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST');
    const allowed = res.headers.get('access-control-allow-headers')!.split(',');
    for (const header of [
      'content-type',
      'authorization',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'traceparent',
      'x-api-key',
      'x-tenant',
    ])
      expect(allowed).toContain(header);
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('matches /regex/ entries against the whole origin only', async () => {
    const ok = await preflight(stack.url, 'https://pr-12.preview.example.com');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://pr-12.preview.example.com');
    for (const origin of [
      'https://pr-12.preview.example.com.evil.io',
      'http://pr-12.preview.example.com',
    ]) {
      const res = await preflight(stack.url, origin);
      expect(res.status).toBeLessThan(500);
      expect(allowHeaders(res)).toEqual([]);
    }
  });

  it('gives an origin that is not allowed no Access-Control-Allow-* header, and never a 5xx', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://localhost:3000', '%%%']) {
      const pre = await preflight(stack.url, origin);
      expect(pre.status).toBeLessThan(500);
      expect(allowHeaders(pre)).toEqual([]);
      const res = await post(stack.url, origin, { query: '{ __typename }' });
      expect(res.status).toBe(200);
      expect(allowHeaders(res)).toEqual([]);
    }
  });

  it('lets a page read the data, its budget and the request id', async () => {
    const token = await devToken('u7', 'read:email');
    const res = await post(
      stack.url,
      APP,
      { query: CHECKOUT },
      { authorization: `Bearer ${token}` },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('vary')?.toLowerCase()).toContain('origin');
    const exposed = res.headers.get('access-control-expose-headers')!.toLowerCase().split(',');
    for (const header of [
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'retry-after',
      'x-request-id',
    ])
      expect(exposed).toContain(header);
    expect(res.headers.get('ratelimit-remaining')).not.toBeNull();
    const body = (await res.json()) as { data: { me: { name: string } } };
    expect(body.data.me.name).toBeTruthy();
  });

  it('puts the CORS headers on 400, 401, 413 and 429 answers too', async () => {
    const expectCors = (res: Response, status: number) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
    };
    expectCors(await post(stack.url, APP, { query: '{ nope' }), 400);
    expectCors(
      await post(stack.url, APP, { query: '{ __typename }' }, { authorization: 'Bearer x.y.z' }),
      401,
    );
    expectCors(
      await post(stack.url, APP, { query: `{ __typename } #${'x'.repeat(1_100_000)}` }),
      413,
    );
    // A caller whose budget (500 points, 1 per second) runs out: 429, readable by the page.
    const token = await devToken('cors-429', 'read:payments');
    let last: Response | undefined;
    for (let i = 0; i < 20 && last?.status !== 429; i++)
      last = await post(
        stack.url,
        APP,
        { query: '{ products(first: 100) { name seller { name } } }' },
        { authorization: `Bearer ${token}` },
      );
    expectCors(last!, 429);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('keeps CSRF prevention: a simple cross-origin GET without a preflight header is refused', async () => {
    const res = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: APP },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    const ok = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: APP, 'apollo-require-preflight': 'true' },
    });
    expect(ok.status).toBe(200);
  });
});

describe('defaults', () => {
  it('development allows pages on localhost and 127.0.0.1, any port, and nothing else', async () => {
    const stack = await startStack({ env: { NODE_ENV: 'development' } });
    try {
      for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8080', 'http://localhost']) {
        const res = await preflight(stack.url, origin);
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      }
      for (const origin of [APP, 'http://localhost.evil.io', 'https://localhost:5173']) {
        const res = await preflight(stack.url, origin);
        expect(allowHeaders(res)).toEqual([]);
      }
    } finally {
      await stack.stop();
    }
  });

  it('production sends no CORS header at all unless origins are configured', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----x',
      INTERNAL_JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----x',
    };
    expect(loadConfig(production).cors.origins).toEqual([]);
    expect(loadConfig({ ...production, CORS_ORIGINS: APP }).cors.origins).toEqual([
      { kind: 'exact', origin: APP },
    ]);
  });

  it('refuses to start on origins it cannot read, or * with credentials', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com, /([/' })).toThrow(
      /CORS_ORIGINS .*no path[\s\S]*CORS_ORIGINS .*regular expression/,
    );
    expect(() => loadConfig({ CORS_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'true' })).toThrow(
      /CORS_ALLOW_CREDENTIALS/,
    );
  });
});

describe('any origin and credentials', () => {
  it('* answers with * and never with credentials', async () => {
    const stack = await startStack({ env: { CORS_ORIGINS: '*' } });
    try {
      const res = await post(stack.url, 'https://anything.example', { query: '{ __typename }' });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await stack.stop();
    }
  });

  it('CORS_ALLOW_CREDENTIALS echoes the exact origin, never *', async () => {
    const stack = await startStack({
      env: { CORS_ORIGINS: APP, CORS_ALLOW_CREDENTIALS: 'true' },
    });
    try {
      const pre = await preflight(stack.url, APP);
      expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      const res = await post(stack.url, APP, { query: '{ __typename }' });
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    } finally {
      await stack.stop();
    }
  });
});
