/**
 * The gateway uses its dependencies through their public exports only: with the CommonJS exports
 * of `@apollo/gateway` and `@apollo/query-planner` frozen, and one export of each turned into a
 * getter-only property, it starts exactly the same and gives the same answer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import {
  root,
  spawnGateway,
  spawnSubgraph,
  writeSupergraph,
  type GatewayProcess,
  type SubgraphProcess,
} from './helpers/processes.js';

const PRELOAD = path.join(import.meta.dirname, 'fixtures', 'frozenApolloExports.ts');
const CHECKOUT = fs.readFileSync(path.join(root, 'operations', 'CheckoutScreen.graphql'), 'utf8');

let subgraphs: SubgraphProcess[] = [];
const gateways: GatewayProcess[] = [];
let supergraphPath: string;
let dir: string;

beforeAll(async () => {
  subgraphs = await Promise.all([
    spawnSubgraph('product'),
    spawnSubgraph('user'),
    spawnSubgraph('payment'),
  ]);
  const [product, user, payment] = subgraphs as [SubgraphProcess, SubgraphProcess, SubgraphProcess];
  supergraphPath = writeSupergraph({ product: product.url, user: user.url, payment: payment.url });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-frozen-'));
}, 90_000);
afterAll(async () => {
  for (const gateway of gateways) gateway.child.kill('SIGKILL');
  await Promise.all([...gateways.map((g) => g.exited), ...subgraphs.map((s) => s.kill())]);
  if (supergraphPath) fs.rmSync(path.dirname(supergraphPath), { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a dependency with read-only exports', { timeout: 120_000 }, () => {
  it('starts the gateway exactly the same, and CheckoutScreen gets the same answer', async () => {
    const report = path.join(dir, 'report.json');
    // why no Redis: each gateway keeps its own budget, so both answers start from a full one.
    const env = { SUPERGRAPH_PATH: supergraphPath, DEV_KEYS_DIR: path.join(root, '.dev-keys') };
    const plain = await spawnGateway(env);
    gateways.push(plain);
    const frozen = await spawnGateway({ ...env, FROZEN_EXPORTS_REPORT: report }, [
      '--import',
      PRELOAD,
    ]);
    gateways.push(frozen);
    expect(JSON.parse(fs.readFileSync(report, 'utf8'))).toEqual({
      '@apollo/gateway': { frozen: true, getterOnly: true },
      '@apollo/query-planner': { frozen: true, getterOnly: true },
    });

    const token = await devToken('u1');
    const ask = (gateway: GatewayProcess) =>
      postGraphQL(gateway.url, { query: CHECKOUT, operationName: 'CheckoutScreen' }, { token });
    const expected = await ask(plain);
    const actual = await ask(frozen);
    expect(expected.status).toBe(200);
    expect((expected.body as { data?: unknown }).data).toBeTruthy();
    expect(actual.status).toBe(expected.status);
    expect(actual.body).toEqual(expected.body);
  });
});
