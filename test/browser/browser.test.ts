/**
 * The gateway as frontend teams use it: from pages in real Chromium (Debian's, driven by
 * playwright-core). A page on an allowed origin runs CheckoutScreen with a bearer token and reads
 * its budget; the same page on another origin is blocked by the browser; the explorer works with
 * every host but this machine unreachable.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { hasChromium, launchChromium } from './chromium.js';

const CHECKOUT = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;
/** Where screenshots go (git-ignored). */
const OUTPUT = path.resolve(import.meta.dirname, '../../test-results');

/** A static "app" server: one page whose script calls the gateway with `fetch`. */
async function startApp(host: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>app</title><p>app</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface PageResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly remaining?: string | null;
  readonly limit?: string | null;
  readonly data?: { me: { name: string; email: string | null; payments: unknown[] } };
  readonly error?: string;
}

describe.skipIf(!hasChromium)('in Chromium', () => {
  let stack: Stack;
  let allowed: { origin: string; close(): Promise<void> };
  let other: { origin: string; close(): Promise<void> };
  let chromium: { browser: Browser; close(): Promise<void> };

  beforeAll(async () => {
    allowed = await startApp('127.0.0.1');
    other = await startApp('localhost');
    stack = await startStack({ env: { NODE_ENV: 'development', CORS_ORIGINS: allowed.origin } });
    chromium = await launchChromium({ offline: true });
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.stop();
    await allowed?.close();
    await other?.close();
  });

  /** Opens `origin`'s page and runs CheckoutScreen from it with `fetch`. */
  async function checkoutFrom(origin: string): Promise<PageResult> {
    const token = await devToken('u3', 'read:email read:payments');
    const page = await chromium.browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        async ({ url, query, token }) => {
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ query }),
            });
            const body = (await res.json()) as { data: PageResult['data'] };
            return {
              ok: true,
              status: res.status,
              remaining: res.headers.get('RateLimit-Remaining'),
              limit: res.headers.get('RateLimit-Limit'),
              data: body.data,
            };
          } catch (error) {
            return { ok: false, error: String(error) };
          }
        },
        { url: stack.url, query: CHECKOUT, token },
      );
    } finally {
      await page.close();
    }
  }

  it('a page on an allowed origin runs CheckoutScreen and reads its budget', async () => {
    const result = await checkoutFrom(allowed.origin);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(200);
    expect(result.data?.me.name).toBeTruthy();
    expect(result.data?.me.email).toContain('@');
    expect(result.data?.me.payments.length).toBeGreaterThan(0);
    expect(Number(result.remaining)).toBeLessThan(Number(result.limit));
  }, 60_000);

  it('the same page on an origin that is not allowed is blocked by the browser', async () => {
    stack.resetStats();
    const result = await checkoutFrom(other.origin);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Failed to fetch/);
  }, 60_000);

  it('the explorer loads offline, shows the schema, runs a query and shows cost and budget', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const outside: string[] = [];
    page.on('request', (request) => {
      const { hostname } = new URL(request.url());
      if (hostname !== '127.0.0.1' && hostname !== 'localhost') outside.push(request.url());
    });
    try {
      await page.goto(stack.url);
      await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor({ timeout: 30_000 });
      // The schema: the documentation explorer lists the root type's fields.
      await page.getByRole('button', { name: /documentation explorer/i }).click();
      await page.getByText('Query', { exact: true }).first().click();
      await page.locator('.graphiql-doc-explorer').getByText('products').first().waitFor();
      // A query, typed into the editor and run.
      await page.locator('.graphiql-query-editor .CodeMirror').first().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.insertText('{ me { name } products(first: 2) { name price } }');
      await page.getByRole('button', { name: /execute query/i }).click();
      const response = page.locator('.graphiql-response');
      await response.getByText('"products"').waitFor({ timeout: 30_000 });
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/HTTP 200/);
      const status = (await page.locator('#status').textContent()) ?? '';
      expect(status).toMatch(/cost estimated \d+/);
      expect(status).toMatch(/RateLimit-Remaining \d+/);
      // The development token the explorer starts with is a signed-in caller's: `me` is served.
      expect(await response.textContent()).toMatch(/"me":\s*\{/);
      fs.mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: path.join(OUTPUT, 'explorer.png') });
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);
});
