import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileApiKeySource } from '../../src/auth/apiKeySource.js';
import { hashApiKey, newApiKey, parseApiKeys } from '../../src/auth/apiKeys.js';
import { createApiKeyFile, type ApiKeyFile } from '../helpers/apiKeys.js';
import { redisAvailable, testRedisEnv, uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { createTestIssuer, type TestIssuer } from '../helpers/tokens.js';

// Issued API keys (API_KEYS_PATH) over HTTP, on the shared test Redis under a unique key prefix:
// a key is an identity only once verified against the file's hashes.
const hasRedis = await redisAvailable();
const root = path.resolve(import.meta.dirname, '../..');
const QUERY = '{ products(first: 3) { id } }'; // costs 3
const TIERS = { pro: { capacity: 300, refillPerSecond: 0.001 } };

let stack: Stack;
let issuer: TestIssuer;
let keys: ApiKeyFile;
let alice: string;
let bob: string;
let carol: string;

beforeAll(async () => {
  issuer = await createTestIssuer();
  keys = createApiKeyFile();
  alice = keys.issue('alice', { tier: 'pro' });
  bob = keys.issue('bob');
  carol = keys.issue('carol');
  keys.revoke(carol);
  if (hasRedis)
    stack = await startStack({
      env: {
        ...testRedisEnv(),
        RATE_LIMIT_KEY_PREFIX: uniquePrefix('apikeys'),
        RATE_LIMIT_CAPACITY: '30',
        RATE_LIMIT_REFILL_PER_SECOND: '0.001',
        RATE_LIMIT_TIERS: JSON.stringify(TIERS),
        API_KEYS_PATH: keys.path,
        JWT_PUBLIC_KEY: issuer.publicKeyPem,
        JWT_ISSUER: issuer.issuer,
        JWT_AUDIENCE: issuer.audience,
      },
    });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  keys?.remove();
});

const withKey = (key: string, token?: string) =>
  stack.query(QUERY, { headers: { 'x-api-key': key }, token });
const budget = (response: { headers: Headers }) => ({
  limit: Number(response.headers.get('ratelimit-limit')),
  remaining: Number(response.headers.get('ratelimit-remaining')),
});
const subgraphRequests = () =>
  Object.values(stack.subgraphs).reduce((sum, s) => sum + s.stats.requests, 0);

describe.skipIf(!hasRedis)('API keys (API_KEYS_PATH)', { timeout: 60_000 }, () => {
  it.each([
    ['malformed', () => 'not-a-key'],
    ['unknown', () => newApiKey()],
    ['revoked', () => carol],
    [
      'issued key with a character changed',
      () => `${bob.slice(0, -1)}${bob.endsWith('A') ? 'B' : 'A'}`,
    ],
  ])('refuses a %s key with 401 UNAUTHENTICATED and runs nothing', async (_kind, key) => {
    stack.resetStats();
    const response = await withKey(key());
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(response.body.data).toBeUndefined();
    expect(subgraphRequests()).toBe(0);
  });

  it('refuses a bad key even beside a valid token (a caller allowed everything else)', async () => {
    const token = await issuer.mint({ sub: `zoe-${process.pid}`, scope: 'read:email' });
    expect((await stack.query(QUERY, { token })).status).toBe(200);
    stack.resetStats();
    const response = await withKey(newApiKey(), token);
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(subgraphRequests()).toBe(0);
  });

  it('gives an issued key its own budget, with its tier', async () => {
    const first = await withKey(bob);
    expect(first.status).toBe(200);
    expect(budget(first)).toEqual({ limit: 30, remaining: 27 });
    expect(budget(await withKey(bob))).toEqual({ limit: 30, remaining: 24 });
    expect(budget(await withKey(alice))).toEqual({ limit: 300, remaining: 297 });
    // No key: the address's budget, not bob's.
    expect(budget(await stack.query(QUERY))).toEqual({ limit: 30, remaining: 27 });
  });

  it('follows the file: a key issued while running works, a key revoked stops, without a restart', async () => {
    const dave = keys.issue('dave');
    await expect
      .poll(async () => (await withKey(dave)).status, { timeout: 10_000, interval: 100 })
      .toBe(200);
    keys.revoke(dave);
    await expect
      .poll(async () => (await withKey(dave)).status, { timeout: 10_000, interval: 100 })
      .toBe(401);
    expect((await withKey(bob)).status).toBe(200);
  });

  it('`npm run api-key` prints a key once and stores only its hash; the running gateway accepts it', async () => {
    const run = spawnSync(
      'npm',
      ['run', '--silent', 'api-key', '--', '--name', 'erin', '--tier', 'pro'],
      {
        cwd: root,
        env: { ...process.env, API_KEYS_PATH: keys.path, RATE_LIMIT_TIERS: JSON.stringify(TIERS) },
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const key = run.stdout.trim().split('\n').pop()!;
    expect(key).toMatch(/^gw_[A-Za-z0-9_-]{43}$/);
    const text = fs.readFileSync(keys.path, 'utf8');
    expect(text).not.toContain(key);
    expect(text).toContain(hashApiKey(key));
    await expect
      .poll(async () => (await withKey(key)).status, { timeout: 10_000, interval: 100 })
      .toBe(200);
    expect(budget(await withKey(key)).limit).toBe(300);
  });

  it('`npm run api-key` refuses a tier the gateway does not know', () => {
    const run = spawnSync(
      'npm',
      ['run', '--silent', 'api-key', '--', '--name', 'x', '--tier', 'gold'],
      {
        cwd: root,
        env: { ...process.env, API_KEYS_PATH: keys.path, RATE_LIMIT_TIERS: JSON.stringify(TIERS) },
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('gold');
  });
});

describe('the API key file', () => {
  it('keeps the last good keys when a new file is invalid', async () => {
    const file = createApiKeyFile();
    const lines: string[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const key = file.issue('frank');
    const source = fileApiKeySource(file.path, new Set(), log);
    try {
      expect(source.identify(key)).toEqual({ name: 'frank', tier: undefined });
      file.writeRaw('- name: frank\n  hash: sha256:nothex\n  revokd: true\n');
      await expect
        .poll(() => lines.some((l) => l.includes('API keys reload failed')), { timeout: 10_000 })
        .toBe(true);
      expect(source.identify(key)).toEqual({ name: 'frank', tier: undefined });
    } finally {
      source.close();
      file.remove();
    }
  });

  it('refuses to start on a missing or invalid file', () => {
    const log = pino({ level: 'silent' });
    expect(() => fileApiKeySource('/nonexistent/keys.yaml', new Set(), log)).toThrow(
      /API_KEYS_PATH/,
    );
    const file = createApiKeyFile();
    file.writeRaw('{ "not": "a list" }');
    expect(() => fileApiKeySource(file.path, new Set(), log)).toThrow(/API_KEYS_PATH/);
    file.remove();
  });

  const entry = (extra: Record<string, unknown> = {}) =>
    JSON.stringify([{ name: 'n', hash: hashApiKey(newApiKey()), ...extra }]);
  it.each([
    ['a misspelt field (revokd)', entry({ revokd: true })],
    ['a plaintext key as hash', JSON.stringify([{ name: 'n', hash: newApiKey() }])],
    ['a missing name', JSON.stringify([{ hash: hashApiKey(newApiKey()) }])],
    ['revoked not a boolean', entry({ revoked: 'yes' })],
    ['not a list', '{}'],
  ])('refuses a file with %s', (_what, text) => {
    expect(parseApiKeys(text, new Set()).ok).toBe(false);
  });

  it('refuses the same hash twice; warns of a tier not in RATE_LIMIT_TIERS', () => {
    const hash = hashApiKey(newApiKey());
    const twice = JSON.stringify([
      { name: 'a', hash },
      { name: 'b', hash },
    ]);
    expect(parseApiKeys(twice, new Set()).ok).toBe(false);
    const parsed = parseApiKeys(entry({ tier: 'gold' }), new Set(['pro']));
    expect(parsed.ok && parsed.warnings).toHaveLength(1);
  });

  it('accepts an empty file (no key issued yet: every key is refused)', () => {
    const parsed = parseApiKeys('', new Set());
    expect(parsed.ok && parsed.keys.check(newApiKey())).toEqual({ ok: false, reason: 'unknown' });
  });
});
