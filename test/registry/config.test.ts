import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadRegistryConfig } from '../../src/config/config.js';

const problems = (load: () => unknown): readonly string[] => {
  try {
    load();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('registry variables', () => {
  it('gateway: SUPERGRAPH_URL, SUPERGRAPH_POLL_MS, REGISTRY_TOKEN', () => {
    const config = loadConfig({ SUPERGRAPH_URL: 'http://registry:4100/supergraph' });
    expect(config.supergraphUrl).toBe('http://registry:4100/supergraph');
    expect(config.supergraphPollMs).toBe(10_000);
    expect(problems(() => loadConfig({ SUPERGRAPH_URL: 'registry' }))[0]).toMatch(
      /^SUPERGRAPH_URL /,
    );
    expect(problems(() => loadConfig({ SUPERGRAPH_POLL_MS: '10' }))[0]).toMatch(
      /^SUPERGRAPH_POLL_MS /,
    );
    const production = {
      NODE_ENV: 'production',
      JWT_JWKS_URL: 'https://idp.example/jwks',
      INTERNAL_JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----',
      SUPERGRAPH_URL: 'http://registry:4100/supergraph',
    };
    expect(problems(() => loadConfig(production))).toContainEqual(
      expect.stringMatching(/^REGISTRY_TOKEN /),
    );
  });

  it('registry: defaults, and every problem at once', () => {
    const config = loadRegistryConfig({}, '/srv');
    expect(config).toMatchObject({ port: 4100, dir: '/srv/.registry', databaseUrl: undefined });
    const found = problems(() =>
      loadRegistryConfig({
        REGISTRY_PORT: 'x',
        REGISTRY_DATABASE_URL: 'mysql://db',
        MAX_COST: '0',
      }),
    );
    expect(found.map((p) => p.split(' ')[0]).sort()).toEqual([
      'MAX_COST',
      'REGISTRY_DATABASE_URL',
      'REGISTRY_PORT',
    ]);
    expect(problems(() => loadRegistryConfig({ NODE_ENV: 'production' }))[0]).toMatch(
      /REGISTRY_JWKS_URL/,
    );
    const jwks = loadRegistryConfig({ REGISTRY_JWKS_URL: 'https://idp.example/jwks' });
    expect(jwks.auth.jwksUrl).toBe('https://idp.example/jwks');
  });
});
