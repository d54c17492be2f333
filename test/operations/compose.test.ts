/**
 * docker-compose.yml, deploy/nginx.conf and the Dockerfile against docs/architecture.md, without a Docker
 * engine: the compose file is parsed (YAML merge keys as Compose applies them), every gateway
 * variable is resolved to its default and fed to the real `loadConfig`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { httpServerOptions } from '../../src/http/hardening.js';
import { DEFAULT_PORTS, SUBGRAPH_NAMES } from '../../subgraphs/shared/names.js';
import { root } from './helpers/processes.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  stop_grace_period?: string;
}

const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const nginx = read('deploy/nginx.conf');
const gateways = Object.entries(services).filter(([, s]) =>
  s.command?.includes('dist/src/main.js'),
);

/** `${NAME:-default}` → default, as Compose resolves it with NAME unset. */
const resolve = (value: string | number) =>
  String(value).replace(/\$\{[A-Z0-9_]+:?-([^}]*)\}/g, '$1');
const publishedPort = (mapping: string) => Number(mapping.split(':').at(-2));
const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1]);

/** The gateway variables of docs/architecture.md and README, plus the operational ones. */
const DESIGN_VARIABLES = [
  'PORT',
  'SUPERGRAPH_PATH',
  'REDIS_URL',
  'JWT_JWKS_URL',
  'JWT_JWKS_PATH',
  'JWT_PUBLIC_KEY',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_ALGORITHMS',
  'MAX_DEPTH',
  'MAX_ALIASES',
  'MAX_COST',
  'RATE_LIMIT_CAPACITY',
  'RATE_LIMIT_REFILL_PER_SECOND',
  'SUBGRAPH_TIMEOUT_MS',
  'ADMIN_TOKEN',
  'LOG_LEVEL',
  'NODE_ENV',
  'REQUEST_TIMEOUT_MS',
  'SHUTDOWN_GRACE_MS',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'TRUST_PROXY',
];

describe('docker-compose.yml', () => {
  it('has redis, the three subgraphs, two gateway replicas and a load balancer', () => {
    expect(services.redis?.image).toMatch(/^redis:/);
    for (const name of SUBGRAPH_NAMES)
      expect(services[name]?.command?.slice(-2)).toEqual(['dist/subgraphs/main.js', name]);
    expect(gateways.length).toBe(2);
    expect(services.lb?.image).toMatch(/^nginx:/);
  });

  it('publishes the gateway on 4000 through the balancer only, subgraphs on their DESIGN ports', () => {
    expect(services.lb?.ports?.map(publishedPort)).toEqual([4000]);
    for (const [, gateway] of gateways) expect(gateway.ports).toBeUndefined();
    for (const name of SUBGRAPH_NAMES) {
      const service = services[name]!;
      expect(Number(service.environment?.PORT)).toBe(DEFAULT_PORTS[name]);
      expect(service.ports?.map(publishedPort)).toEqual([DEFAULT_PORTS[name]]);
      expect(service.environment?.HOST).toBe('0.0.0.0');
    }
  });

  it.each(gateways)(
    '%s: every variable wired, and the defaults load as a valid config',
    (_n, gw) => {
      const env = Object.fromEntries(
        Object.entries(gw.environment ?? {}).map(([k, v]) => [k, resolve(v)]),
      );
      for (const name of DESIGN_VARIABLES) expect(Object.keys(env)).toContain(name);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      for (const name of SUBGRAPH_NAMES)
        expect(env[`SUBGRAPH_${name.toUpperCase()}_URL`]).toBe(
          `http://${name}:${DEFAULT_PORTS[name]}/graphql`,
        );
      const config = loadConfig({ ...env, SUPERGRAPH_PATH: path.join(root, 'supergraph.graphql') });
      expect(config.port).toBe(4000);
      // TRUST_PROXY=true: one trusted hop, nginx, which overwrites X-Forwarded-For.
      expect(config.rateLimit.trustProxy).toBe(1);
      expect(Object.keys(config.subgraphUrls).sort()).toEqual([...SUBGRAPH_NAMES].sort());
    },
  );

  it('checks health everywhere and starts each service only once what it needs is healthy', () => {
    for (const name of ['redis', ...SUBGRAPH_NAMES, 'lb', ...gateways.map(([n]) => n)])
      expect(services[name]?.healthcheck?.test.length, name).toBeGreaterThan(1);
    for (const [, gw] of gateways) {
      expect(gw.healthcheck?.test.join(' ')).toContain('/ready');
      for (const dependency of ['redis', ...SUBGRAPH_NAMES])
        expect(gw.depends_on?.[dependency]?.condition).toBe('service_healthy');
    }
    for (const [name] of gateways)
      expect(services.lb?.depends_on?.[name]?.condition).toBe('service_healthy');
    // The development keys exist before anything signs or verifies a token.
    for (const name of [...SUBGRAPH_NAMES, ...gateways.map(([n]) => n)])
      expect(services[name]?.depends_on?.keys?.condition).toBe('service_completed_successfully');
  });

  it('gives a stopping gateway longer than its drain before SIGKILL', () => {
    for (const [, gw] of gateways) {
      const env = gw.environment!;
      const drainMs =
        Number(resolve(env.SHUTDOWN_GRACE_MS!)) + Number(resolve(env.SHUTDOWN_DELAY_MS ?? '0'));
      expect(seconds(gw.stop_grace_period ?? '10s') * 1000).toBeGreaterThan(drainMs);
    }
  });

  it('has a `cluster` profile: six cluster nodes, a one-shot create job, gateways that can switch', () => {
    const nodes = Object.entries(services).filter(([, s]) =>
      s.command?.join(' ').includes('--cluster-enabled yes'),
    );
    expect(nodes.map(([name]) => name).sort()).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => `redis-node-${n}`),
    );
    for (const [, node] of nodes) {
      expect(node.image).toBe('redis:7-alpine');
      expect(node.profiles).toEqual(['cluster']);
    }
    const job = services['redis-cluster'];
    expect(job?.profiles).toEqual(['cluster']);
    expect(job?.command?.join(' ')).toMatch(
      /--cluster create .*--cluster-replicas 1 --cluster-yes/,
    );
    for (const [name] of nodes) expect(job?.depends_on?.[name]?.condition).toBe('service_healthy');
    for (const [, gw] of gateways) {
      // optional: without the profile the gateways start on the one Redis, as before
      expect(gw.depends_on?.['redis-cluster']).toEqual({
        condition: 'service_completed_successfully',
        required: false,
      });
      // the documented switch: REDIS_URL emptied, seed nodes named
      const env = Object.fromEntries(
        Object.entries(gw.environment ?? {}).map(([k, v]) => [k, resolve(v)]),
      );
      const config = loadConfig({
        ...env,
        REDIS_URL: '',
        REDIS_CLUSTER_NODES: 'redis-node-1:6379,redis-node-2:6379,redis-node-3:6379',
        SUPERGRAPH_PATH: path.join(root, 'supergraph.graphql'),
      });
      expect(config.redisUrl).toBeUndefined();
      expect(config.redisClusterNodes).toHaveLength(3);
    }
    expect(read('docker-compose.yml')).toContain('docker compose --profile cluster up');
  });
});

describe('deploy/nginx.conf', () => {
  it('balances over every gateway replica on 4000 and listens on 4000', () => {
    for (const [name] of gateways) expect(nginx).toMatch(new RegExp(`server ${name}:4000\\b`));
    expect(nginx).toMatch(/listen 4000;/);
    expect(services.lb?.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('overwrites X-Forwarded-For (a client cannot choose its rate-limit identity)', () => {
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    expect(nginx).not.toMatch(/\$proxy_add_x_forwarded_for/);
  });

  it('closes idle upstream connections before the gateway would, and waits past its deadline', () => {
    const idle = Number(/keepalive_timeout (\d+)s;/.exec(nginx)?.[1]) * 1000;
    expect(idle).toBeLessThan(httpServerOptions().keepAliveTimeout!);
    const readTimeout = Number(/proxy_read_timeout (\d+)s;/.exec(nginx)?.[1]) * 1000;
    expect(readTimeout).toBeGreaterThan(loadConfig({}).requestTimeoutMs);
  });
});

describe('Dockerfile', () => {
  it('runs the gateway on a Node the package supports, as an unprivileged user', () => {
    const dockerfile = read('Dockerfile');
    const nodes = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    // Every stage on a current LTS: 22 or 24 (20 reached end of life in April 2026).
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    for (const node of nodes) expect([22, 24]).toContain(node);
    expect(dockerfile).toMatch(/^USER node$/m);
    // Compiled JavaScript only: no tsx, no TypeScript source at run time.
    expect(dockerfile).toMatch(/^CMD \[.*"dist\/src\/main\.js"\]$/m);
    expect(dockerfile).not.toMatch(/tsx/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^]*?\/health/m);
  });
});
