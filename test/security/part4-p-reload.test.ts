/**
 * docs/security.md Part 4, P: supergraph reload (cases 114–119). The gateway watches its
 * supergraph file; the tests rewrite, break and remove that file under real subgraphs, and read
 * the gateway's log lines.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { startSubgraph, type SubgraphHandle } from '../../subgraphs/shared/server.js';
import { composeFor, postGraphQL } from '../helpers/stack.js';
import { root, testEnv } from '../operations/helpers/processes.js';
import { waitFor } from '../helpers/waitFor.js';

const QUERY = '{ products(first: 2) { name seller { name } } }';

let product: SubgraphHandle;
let user: SubgraphHandle;
let payment: SubgraphHandle;
let dir: string;
let supergraphPath: string;
let sdl: string;
let gateway: Gateway;
let url: string;
let base: string;
const lines: { msg?: string; level?: number }[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'silent' });
  [product, user, payment] = await Promise.all([
    startSubgraph('product', { port: 0, logger }),
    startSubgraph('user', { port: 0, logger }),
    startSubgraph('payment', { port: 0, logger }),
  ]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-reload-'));
  supergraphPath = path.join(dir, 'supergraph.graphql');
  sdl = composeFor({ product: product.url, user: user.url, payment: payment.url });
  fs.writeFileSync(supergraphPath, sdl);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { msg?: string });
      done();
    },
  });
  gateway = createGateway(loadConfig({ ...testEnv(supergraphPath), CACHE_ENABLED: 'false' }), {
    log: pino({ level: 'info' }, sink),
  });
  ({ url } = await gateway.start());
  base = url.replace(/\/graphql$/, '');
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
  await Promise.all([product, user, payment].map((s) => s?.close()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function expectServing(): Promise<void> {
  const { status, body } = await postGraphQL(url, { query: QUERY });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.products[0].seller.name).toBeTruthy();
}

const logged = (pattern: RegExp) => lines.some((l) => pattern.test(l.msg ?? ''));
const reloads = async (outcome: string) => {
  const metric = await gateway.metrics.registry
    .getSingleMetric('gateway_supergraph_reloads_total')
    ?.get();
  return metric?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
};
/** A valid supergraph that differs from the current one (a comment), so the reload applies. */
const variant = (n: number) => `${sdl}\n# reload ${n}\n`;

describe('P. supergraph reload', { timeout: 60_000 }, () => {
  it('case 114: invalid SDL after start: old schema serves, error logged, readiness unchanged', async () => {
    await expectServing();
    lines.length = 0;
    fs.writeFileSync(supergraphPath, 'this is { not a supergraph');
    await expect
      .poll(() => logged(/supergraph reload (failed|rejected)/), { timeout: 5000 })
      .toBe(true);
    await expectServing();
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    // A parseable SDL that is not a valid supergraph is refused by `update` too.
    lines.length = 0;
    fs.writeFileSync(supergraphPath, 'type Query { x: Int }');
    await expect
      .poll(() => logged(/supergraph reload (failed|rejected)/), { timeout: 5000 })
      .toBe(true);
    await expectServing();
    fs.writeFileSync(supergraphPath, sdl);
  });

  it('case 115: invalid or missing SDL at boot: never ready, exits non-zero', async () => {
    const bad = path.join(dir, 'bad.graphql');
    fs.writeFileSync(bad, 'not a supergraph {');
    for (const file of [bad, path.join(dir, 'missing.graphql')]) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: {
          ...process.env,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          SUPERGRAPH_PATH: file,
        },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).not.toBe(0);
      expect(stdout).not.toMatch(/gateway ready/);
    }
  });

  it('case 117: a reload during in-flight requests: every request completes', async () => {
    await expectServing();
    const before = await reloads('ok');
    // Four clients send requests back to back from before the reload until after it.
    const answers: Awaited<ReturnType<typeof postGraphQL>>[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) answers.push(await postGraphQL(url, { query: QUERY }));
    };
    const clients = Array.from({ length: 4 }, client);
    await waitFor('traffic before the reload', () =>
      Promise.resolve(answers.length >= 8 ? true : undefined),
    );
    fs.writeFileSync(supergraphPath, variant(117));
    await waitFor('the reload', async () => ((await reloads('ok')) > before ? true : undefined));
    const atReload = answers.length;
    await waitFor('traffic after the reload', () =>
      Promise.resolve(answers.length >= atReload + 8 ? true : undefined),
    );
    stop = true;
    await Promise.all(clients);
    expect(answers.length).toBeGreaterThanOrEqual(16);
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
    }
    await expectServing();
  });

  it('case 118: a reload loop (CI-sized: 15 reloads under traffic) leaves handles bounded', async () => {
    await expectServing();
    const handles = () => process.getActiveResourcesInfo().length;
    const baseline = handles();
    const before = await reloads('ok');
    for (let i = 0; i < 15; i += 1) {
      fs.writeFileSync(supergraphPath, variant(1000 + i));
      await expect.poll(() => reloads('ok'), { timeout: 5000 }).toBe(before + i + 1);
      await expectServing();
    }
    // Closed sockets and timers release their handles asynchronously: wait for the count to settle.
    await waitFor('handles bounded', () =>
      Promise.resolve(handles() <= baseline + 5 ? true : undefined),
    );
    expect(handles()).toBeLessThanOrEqual(baseline + 5);
  });

  it('case 119: schema source outage (file removed): the last good schema keeps serving', async () => {
    await expectServing();
    lines.length = 0;
    fs.rmSync(supergraphPath);
    await expect.poll(() => logged(/supergraph reload failed/), { timeout: 5000 }).toBe(true);
    for (let i = 0; i < 3; i += 1) await expectServing();
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    fs.writeFileSync(supergraphPath, sdl);
    await expectServing();
  });
});
