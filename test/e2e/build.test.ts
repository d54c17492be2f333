/**
 * The compiled build as production runs it: `npm run build`, then plain `node` on `dist/` (no
 * TypeScript tooling loaded), in production mode with explicit keys, against the real subgraphs
 * compiled alongside; CheckoutScreen is asked with a verified token.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDevKeys } from '../../src/auth/keys.js';
import { composeFor, postGraphQL } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { freePort, productionKeysEnv, root } from '../operations/helpers/processes.js';

const CHECKOUT = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;
const children: ChildProcess[] = [];
let dir: string;

/** Runs `node <script> ...args` with nothing but plain Node: no loader, no inherited NODE_OPTIONS. */
async function startCompiled(
  script: string,
  args: string[],
  env: Record<string, string>,
  readyUrl: string,
): Promise<void> {
  const { NODE_OPTIONS: _loader, ...inherited } = process.env;
  const child = spawn(process.execPath, [script, ...args], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${script} exited:\n${stderr}`);
    try {
      if ((await fetch(readyUrl)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${script} did not answer ${readyUrl}:\n${stderr}`);
}

beforeAll(async () => {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  expect(build.status, build.stdout + build.stderr).toBe(0);

  const { internal } = loadDevKeys(path.join(root, '.dev-keys'));
  const internalPublic = internal.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const ports = { product: await freePort(), user: await freePort(), payment: await freePort() };
  const urls = {
    product: `http://127.0.0.1:${ports.product}/graphql`,
    user: `http://127.0.0.1:${ports.user}/graphql`,
    payment: `http://127.0.0.1:${ports.payment}/graphql`,
  };
  await Promise.all(
    (['product', 'user', 'payment'] as const).map((name) =>
      startCompiled(
        'dist/subgraphs/main.js',
        [name],
        {
          NODE_ENV: 'production',
          PORT: String(ports[name]),
          INTERNAL_JWT_PUBLIC_KEY: internalPublic,
        },
        urls[name].replace('/graphql', '/health'),
      ),
    ),
  );
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-dist-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(supergraphPath, composeFor(urls));
  const gatewayPort = await freePort();
  await startCompiled(
    'dist/src/main.js',
    [],
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      METRICS_PORT: '0',
      SUPERGRAPH_PATH: supergraphPath,
      ...productionKeysEnv(),
    },
    `http://127.0.0.1:${gatewayPort}/ready`,
  );
  gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
}, 300_000);

let gatewayUrl: string;

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('the compiled gateway and subgraphs answer CheckoutScreen in production mode', async () => {
  const token = await devToken('u5', 'read:email read:payments');
  const { status, body } = await postGraphQL(gatewayUrl, { query: CHECKOUT }, { token });
  expect(status, JSON.stringify(body)).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.me.email).toContain('@');
  expect(body.data.me.payments.length).toBeGreaterThan(0);
  expect(body.data.products).toHaveLength(10);
  expect(body.data.products[0].seller.name).toBeTruthy();
});
