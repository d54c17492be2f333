/** Configuration of the internal tokens and of client scopes: defaults, parsing, refusals. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const base = { NODE_ENV: 'test', LOG_LEVEL: 'silent' };

describe('internal token configuration', () => {
  it('defaults: 30 s tokens, the staff scope for user and payment, at most 256 client scopes', () => {
    const { auth } = loadConfig(base);
    expect(auth.internalTokenTtlSec).toBe(30);
    expect(auth.maxScopes).toBe(256);
    expect([...auth.internalTokenExtraScopes]).toEqual([
      ['user', ['read:users:all']],
      ['payment', ['read:users:all']],
    ]);
  });

  it('reads name=scope pairs, several per subgraph, * for every subgraph', () => {
    const { auth } = loadConfig({
      ...base,
      INTERNAL_TOKEN_EXTRA_SCOPES: ' user=a:b  User=c=d *=audit ',
      INTERNAL_TOKEN_TTL_SECONDS: '5',
      JWT_MAX_SCOPES: '10',
    });
    expect([...auth.internalTokenExtraScopes]).toEqual([
      ['user', ['a:b', 'c=d']],
      ['*', ['audit']],
    ]);
    expect(auth.internalTokenTtlSec).toBe(5);
    expect(auth.maxScopes).toBe(10);
  });

  it.each([
    ['INTERNAL_TOKEN_EXTRA_SCOPES', 'read:users:all'],
    ['INTERNAL_TOKEN_EXTRA_SCOPES', '=scope'],
    ['INTERNAL_TOKEN_TTL_SECONDS', '0'],
    ['INTERNAL_TOKEN_TTL_SECONDS', '3600'],
    ['JWT_MAX_SCOPES', '0'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
  });
});
