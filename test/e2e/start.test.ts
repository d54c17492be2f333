import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSeed } from '../../subgraphs/shared/seed.js';

const root = path.resolve(import.meta.dirname, '../..');
// Ports away from npm start's defaults, so a developer's running stack does not collide.
const PORTS = [4600, 4601, 4602, 4603] as const;
const url = `http://localhost:${PORTS[0]}/graphql`;
let child: ChildProcess;
let output = '';

async function waitForReady(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url.replace('/graphql', '/ready'))).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the stack did not become ready:\n${output}`);
}

beforeAll(async () => {
  // The same entry as `npm start`, on other ports.
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/start.ts', '--ports', PORTS.join(',')],
    {
      cwd: root,
      env: { ...process.env, PATH: `${root}/node_modules/.bin:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitForReady();
}, 90_000);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGINT'); // Ctrl-C reaches the whole process group, as in a terminal
  await exited;
});

describe('npm start', () => {
  it('serves a query that crosses subgraphs', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products(first: 2) { name seller { name } } }' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data: { products: { name: string; seller: { name: string } }[] };
    };
    expect(body.data.products).toHaveLength(2);
    expect(body.data.products[0]!.seller.name).toBeTruthy();
  });

  it('answers in French with Accept-Language: fr (the example header rules are on)', async () => {
    const names = async (language: string) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-language': language },
        body: JSON.stringify({ query: '{ product(id: "p1") { name } }' }),
      });
      const body = (await response.json()) as { data: { product: { name: string } } };
      return body.data.product.name;
    };
    const p1 = getSeed().productById.get('p1')!.names;
    expect(await names('fr-FR,fr;q=0.9')).toBe(p1.fr);
    expect(await names('en')).toBe(p1.en);
  });

  it('prefixes each service’s logs with its name', () => {
    for (const name of ['product', 'user', 'payment', 'gateway'])
      expect(output).toContain(`[${name}]`);
  });
});
