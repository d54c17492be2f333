/**
 * `npx tsx bench/profile.ts [WORKLOAD] [REQUESTS]`: where one request's time goes. Starts the three
 * subgraphs and `ours` (cache off, every other feature on, as `npm run bench` starts it) under
 * `node --cpu-prof`, sends REQUESTS (default 200) sequential requests of the workload whose name
 * contains WORKLOAD (default CatalogDeep), stops the gateway and prints the profile's self time
 * by function and by file, and the mean latency of a request against the mean latency of the
 * subgraph fetches (`subgraph_request_duration_seconds` is not read: the subgraphs' own
 * `STATS_PORT` counters give the request count). Ports: 9000–9013 (`BENCH_PORT_OFFSET` moves them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeFor } from '../test/helpers/stack.js';
import { UNLIMITED_BUDGET } from './budgets.js';
import { startNode, type BenchProcess } from './processes.js';
import { headersOf, mintTokens } from './traffic.js';
import { WORKLOADS } from './workloads.js';

const root = path.resolve(import.meta.dirname, '..');
const DEV_KEYS_DIR = path.join(root, '.dev-keys');
const offset = Number(process.env.BENCH_PORT_OFFSET ?? 0);
const port = (p: number) => p + offset;
const url = (p: number) => `http://127.0.0.1:${p}/graphql`;
const SUBGRAPHS = { product: 9001, user: 9002, payment: 9003 } as const;
const GATEWAY = port(9000);

const pattern = (
  process.argv[2] === '--read' ? 'CatalogDeep' : (process.argv[2] ?? 'CatalogDeep')
).toLowerCase();
const count = Number(process.argv[3] ?? 200);
const workload = WORKLOADS.find((w) => w.name.toLowerCase().includes(pattern));
if (!workload) throw new Error(`no workload matches ${pattern}`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-profile-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(
    supergraphPath,
    composeFor({
      product: url(port(SUBGRAPHS.product)),
      user: url(port(SUBGRAPHS.user)),
      payment: url(port(SUBGRAPHS.payment)),
    }),
  );
  await mintTokens([workload!], DEV_KEYS_DIR);
  const started: BenchProcess[] = [];
  let gateway: ChildProcess | undefined;
  try {
    for (const [name, p] of Object.entries(SUBGRAPHS))
      started.push(
        await startNode(
          name,
          path.join(root, 'subgraphs/main.ts'),
          [name],
          {
            PORT: String(port(p)),
            STATS_PORT: String(port(p + 10)),
            LOG_LEVEL: 'warn',
            DEV_KEYS_DIR,
          },
          url(port(p)),
        ),
      );
    gateway = spawn(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', path.join(root, 'src/main.ts')],
      {
        env: {
          ...process.env,
          PORT: String(GATEWAY),
          HOST: '127.0.0.1',
          METRICS_PORT: '0',
          SUPERGRAPH_PATH: supergraphPath,
          LOG_LEVEL: 'warn',
          NODE_ENV: 'development',
          DEV_KEYS_DIR,
          CACHE_ENABLED: 'false',
          ...UNLIMITED_BUDGET,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    await ready(url(GATEWAY));
    const headers = headersOf(workload!);
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const response = await fetch(url(GATEWAY), {
        method: 'POST',
        headers,
        body: workload!.body,
      });
      await response.text();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const last = times.slice(Math.floor(times.length / 4));
    console.log(
      `${workload!.name}: ${count} sequential requests; median ${times[times.length >> 1]!.toFixed(2)} ms, ` +
        `mean of the last three quarters by rank ${(last.reduce((a, b) => a + b, 0) / last.length).toFixed(2)} ms`,
    );
    const exited = new Promise((resolve) => gateway!.once('exit', resolve));
    gateway.kill('SIGTERM');
    await exited;
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    const keep = path.join(os.tmpdir(), `gateway-${Date.now()}.cpuprofile`);
    fs.copyFileSync(path.join(dir, file), keep);
    summarize(JSON.parse(fs.readFileSync(keep, 'utf8')) as Profile);
    console.log(`profile: ${keep}`);
  } finally {
    gateway?.kill('SIGKILL');
    await Promise.all(started.map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function ready(target: string) {
  for (let i = 0; i < 600; i++) {
    try {
      await fetch(target, { method: 'GET' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${target} never answered`);
}

/**
 * Self time by file (or package) and by function, and inclusive time by function, from the first
 * sample that serves a request on: start-up (module loading, compiling) is left out.
 */
function summarize(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frames = (id: number) => {
    const out: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      out.push(byId.get(at)!);
    return out;
  };
  const label = (n: ProfileNode) => {
    const { functionName, url: u, lineNumber } = n.callFrame;
    return `${functionName || '(anonymous)'} ${u.replace(/^file:\/\//, '').replace(`${root}/`, '')}:${lineNumber + 1}`;
  };
  const first = profile.samples.findIndex((id) =>
    frames(id).some((n) => n.callFrame.functionName === 'processGraphQLRequest'),
  );
  const self = new Map<string, number>();
  const file = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let total = 0;
  let idle = 0;
  for (let i = Math.max(first, 0); i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    if (node.callFrame.functionName === '(idle)') idle += dt;
    add(self, label(node), dt);
    const u = node.callFrame.url.replace(/^file:\/\//, '').replace(`${root}/`, '');
    const at = u.indexOf('node_modules/');
    const pkg = at >= 0 ? u.slice(at + 13).split('/') : [];
    add(
      file,
      at >= 0
        ? pkg.slice(0, pkg[0]?.startsWith('@') ? 2 : 1).join('/')
        : u || node.callFrame.functionName,
      dt,
    );
    for (const k of new Set(frames(profile.samples[i]!).map(label))) add(inclusive, k, dt);
  }
  const busy = total - idle;
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, v]) =>
          `  ${v.toFixed(0).padStart(7)} ms ${((100 * v) / busy).toFixed(1).padStart(5)} %  ${k}`,
      )
      .join('\n');
  console.log(
    `serving: ${total.toFixed(0)} ms profiled, ${busy.toFixed(0)} ms busy (% below: of busy)\n` +
      `self time by file or package:\n${top(file, 25)}`,
  );
  console.log(`self time by function:\n${top(self, 40)}`);
  console.log(`inclusive time by function:\n${top(inclusive, 80)}`);
}

// `--read FILE`: summarize a profile written before.
if (process.argv[2] === '--read')
  summarize(JSON.parse(fs.readFileSync(process.argv[3]!, 'utf8')) as Profile);
else await main();
