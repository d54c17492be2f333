/**
 * The gateway's variables come from one place, the config schema (`GATEWAY_VARIABLES`): every one
 * of them is wired into docker-compose.yml's gateway service (the `x-gateway` anchor both replicas
 * use) and has a row in the README's configuration table, and neither names a variable the
 * gateway does not read (a typo there is silently ignored by the gateway).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { GATEWAY_VARIABLES, SUBGRAPH_URL_VARIABLE } from '../../src/config/config.js';
import { SUBGRAPH_NAMES } from '../../subgraphs/shared/names.js';
import { root } from './helpers/processes.js';

const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

const known = (name: string) =>
  GATEWAY_VARIABLES.includes(name) || SUBGRAPH_URL_VARIABLE.test(name);

/** The environment keys of the `x-gateway` anchor, as written (not merged into services). */
function composeGatewayVariables(): string[] {
  const compose = parse(read('docker-compose.yml')) as {
    'x-gateway'?: { environment?: Record<string, unknown> };
  };
  return Object.keys(compose['x-gateway']?.environment ?? {});
}

/** Every backticked name in the first column of the README's "Configuration (gateway)" table. */
function readmeTableVariables(): string[] {
  const readme = read('README.md');
  const start = readme.indexOf('## Configuration (gateway)');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows = readme
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) =>
    [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_<>]*)`/g)].map((m) => m[1]!),
  );
}

describe('gateway variables', () => {
  it('come from the config schema', () => {
    expect(GATEWAY_VARIABLES.length).toBeGreaterThan(50);
    for (const name of ['PORT', 'REDIS_URL', 'ADMIN_TOKEN', 'MAX_DEPTH', 'EXPLORER'])
      expect(GATEWAY_VARIABLES).toContain(name);
    expect(SUBGRAPH_URL_VARIABLE.test('SUBGRAPH_PRODUCT_URL')).toBe(true);
  });

  it('are all wired into the compose gateway service (x-gateway)', () => {
    const wired = composeGatewayVariables();
    const missing = GATEWAY_VARIABLES.filter((name) => !wired.includes(name));
    expect(missing, 'missing from x-gateway.environment').toEqual([]);
    for (const name of SUBGRAPH_NAMES)
      expect(wired).toContain(`SUBGRAPH_${name.toUpperCase()}_URL`);
    expect(
      wired.filter((name) => !known(name)),
      'unknown to the gateway',
    ).toEqual([]);
  });

  it('all have a row in the README configuration table', () => {
    const documented = readmeTableVariables();
    const missing = GATEWAY_VARIABLES.filter((name) => !documented.includes(name));
    expect(missing, 'missing from the README table').toEqual([]);
    expect(documented).toContain('SUBGRAPH_<NAME>_URL');
    expect(
      documented.filter((name) => name !== 'SUBGRAPH_<NAME>_URL' && !known(name)),
      'unknown to the gateway',
    ).toEqual([]);
  });
});
