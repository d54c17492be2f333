import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { addressBudget } from '../../src/rateLimit/caller.js';
import { redisAvailable, testRedisEnv, uniquePrefix } from '../helpers/redis.js';
import { metric, startStack, type Stack } from '../helpers/stack.js';

// Whose budget an anonymous request spends, over HTTP on the shared test Redis: never a value the
// client invents (an unverified API key, the left of X-Forwarded-For), only the address the trusted
// proxies (TRUST_PROXY) saw. Budgets refill so slowly that no test depends on their speed.
const hasRedis = await redisAvailable();
const CHEAP = '{ products(first: 3) { id } }'; // costs 3
const DEAR = '{ products(first: 7) { name seller { name } } }'; // costs 14

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});
async function gateway(env: Record<string, string> = {}): Promise<Stack> {
  const stack = await startStack({
    env: {
      ...testRedisEnv(),
      RATE_LIMIT_KEY_PREFIX: uniquePrefix('identity'),
      RATE_LIMIT_CAPACITY: '30',
      RATE_LIMIT_REFILL_PER_SECOND: '0.001',
      ...env,
    },
  });
  stacks.push(stack);
  return stack;
}
const random = () => randomBytes(16).toString('hex');
const randomIp = () => `203.0.113.${1 + (randomBytes(1)[0]! % 250)}`;
const remaining = (response: { headers: Headers }) =>
  Number(response.headers.get('ratelimit-remaining'));

describe.skipIf(!hasRedis)('the identity of an anonymous caller', () => {
  it('is never an invented API key: 200 concurrent requests with random keys share one budget', async () => {
    // No cache: actual cost = estimate, so no refund lets more requests in than the budget holds.
    const stack = await gateway({ RATE_LIMIT_CAPACITY: '100', CACHE_ENABLED: 'false' });
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => stack.query(DEAR, { headers: { 'x-api-key': random() } })),
    );
    const statuses = responses.map((r) => r.status);
    // 100 points hold 7 requests of 14; a Redis call that times out under this burst falls back to
    // the in-process bucket of the same caller (7 more at most). Every other request is refused.
    const admitted = statuses.filter((s) => s === 200).length;
    const fallbacks = await metric(stack, 'gateway_redis_fallbacks_total');
    expect(admitted, `fallbacks: ${fallbacks}`).toBeLessThanOrEqual(fallbacks > 0 ? 14 : 7);
    expect(statuses.filter((s) => s === 429).length).toBe(200 - admitted);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.body.errors[0].extensions.code).toBe('REQUEST_RATE_LIMITED');
  });

  it('behind one trusted proxy (TRUST_PROXY=true) is the right-most address, not the client’s left-most', async () => {
    const stack = await gateway({ TRUST_PROXY: 'true' });
    // The proxy (this test's socket) appended the real client, 198.51.100.9; the client wrote the rest.
    const seen: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const forwarded = `${randomIp()}, ${randomIp()}, 198.51.100.9`;
      const response = await stack.query(CHEAP, { headers: { 'x-forwarded-for': forwarded } });
      expect(response.status).toBe(200);
      seen.push(remaining(response));
    }
    expect(seen).toEqual([27, 24, 21]);
    // Another real client behind the same proxy has a budget of its own.
    const other = await stack.query(CHEAP, { headers: { 'x-forwarded-for': '198.51.100.10' } });
    expect(remaining(other)).toBe(27);
  });

  it('behind a hop count (TRUST_PROXY=2) skips exactly that many proxies', async () => {
    const stack = await gateway({ TRUST_PROXY: '2' });
    const seen: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const forwarded = `${randomIp()}, 198.51.100.20, 10.${i}.0.1`;
      seen.push(remaining(await stack.query(CHEAP, { headers: { 'x-forwarded-for': forwarded } })));
    }
    expect(seen).toEqual([27, 24]);
  });

  it('behind trusted CIDRs (TRUST_PROXY=loopback, 10.0.0.0/8) is the right-most untrusted hop', async () => {
    const stack = await gateway({ TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    const seen: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      // Two trusted hops (10.x and this loopback socket) in front of 198.51.100.30.
      const forwarded = `${randomIp()}, 198.51.100.30, 10.0.${i}.7`;
      seen.push(remaining(await stack.query(CHEAP, { headers: { 'x-forwarded-for': forwarded } })));
    }
    expect(seen).toEqual([27, 24, 21]);
    // A client that claims to be a trusted proxy itself gains nothing: 10.x is skipped, not believed.
    const claimed = await stack.query(CHEAP, {
      headers: { 'x-forwarded-for': `${randomIp()}, 198.51.100.30, 10.0.0.1, 10.0.0.2` },
    });
    expect(remaining(claimed)).toBe(18);
  });

  it('of an IPv6 client is its /64: rotating the low 64 bits opens no new budget', async () => {
    const stack = await gateway({ TRUST_PROXY: 'true' });
    const seen: number[] = [];
    for (const client of [
      '2001:db8:0:113::1',
      '2001:db8:0:113:dead:beef:0:1',
      '2001:0db8:0000:0113:ffff:ffff:ffff:ffff',
    ]) {
      const forwarded = `${randomIp()}, ${client}`;
      seen.push(remaining(await stack.query(CHEAP, { headers: { 'x-forwarded-for': forwarded } })));
    }
    expect(seen).toEqual([27, 24, 21]);
    const neighbour = await stack.query(CHEAP, {
      headers: { 'x-forwarded-for': '2001:db8:0:114::1' },
    });
    expect(remaining(neighbour)).toBe(27);
  });

  it('without TRUST_PROXY is the socket address, whatever X-Forwarded-For says', async () => {
    const stack = await gateway();
    const first = await stack.query(CHEAP, { headers: { 'x-forwarded-for': randomIp() } });
    const second = await stack.query(CHEAP, { headers: { 'x-forwarded-for': randomIp() } });
    expect([remaining(first), remaining(second)]).toEqual([27, 24]);
  });
});

describe('TRUST_PROXY', () => {
  const trust = (value: string) => loadConfig({ TRUST_PROXY: value }).rateLimit.trustProxy;
  it('takes true (one hop), false, a hop count, or a list of addresses, CIDRs and names', () => {
    expect(trust('true')).toBe(1);
    expect(trust('false')).toBe(0);
    expect(trust('3')).toBe(3);
    expect(trust('loopback, 10.0.0.0/8,192.168.1.1')).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.168.1.1',
    ]);
    expect(loadConfig({}).rateLimit.trustProxy).toBe(0);
  });
  it.each(['maybe', '10.0.0.0/33', '300.1.1.1', '-1'])('refuses %j, naming the variable', (v) => {
    expect(() => loadConfig({ TRUST_PROXY: v })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: v })).toThrow(/TRUST_PROXY/);
  });
});

describe('addressBudget', () => {
  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['2001:db8:0:113::1', '2001:db8:0:113::/64'],
    ['2001:0db8:0000:0113:dead:beef:0:1', '2001:db8:0:113::/64'],
    ['2001:DB8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['unknown', 'unknown'],
  ])('%s spends the budget of %s', (address, budget) => {
    expect(addressBudget(address)).toBe(budget);
  });
});
