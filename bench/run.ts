/**
 * `npm run bench`: the same fixed load against each contender, side by side in one process tree,
 * on the same supergraph and the same three subgraph processes. Contenders: (a) plain
 * `@apollo/gateway` in `@apollo/server`'s standalone server, the baseline; (b) Hive Gateway
 * (bench/hiveGateway.ts), with its JavaScript query planner and with its Rust one; and this gateway: cache off, cache warm in process, cache warm in Redis
 * (`BENCH_REDIS_URL`), budgets in Redis, and the warm cache and budgets on a Redis Cluster started
 * for the run (bench/cluster.ts). Each (workload, contender) is warmed up, then measured
 * `--runs` times, runs interleaved across contenders; a row shows the medians. bench/README.md
 * explains the options, the columns and the targets block.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareSupergraph } from '../src/supergraph/prepare.js';
import { composeFor } from '../test/helpers/stack.js';
import { budgetContenders, UNLIMITED_BUDGET } from './budgets.js';
import { CLUSTER_CONTENDERS, startBenchCluster, type BenchCluster } from './cluster.js';
import { describeMachine, otherCpuWindow, pidListeningOn } from './machine.js';
import { parseOptions } from './options.js';
import { pinSelf, startNode, type BenchProcess } from './processes.js';
import {
  addRatios,
  clusterCost,
  printTable,
  summarize,
  targets,
  type ContenderKey,
  type Measurement,
  type Row,
} from './report.js';
import { singleRequests } from './singleRequests.js';
import { subgraphRequests } from './subgraphRequests.js';
import { answer, difference, load, mintTokens } from './traffic.js';
import { WORKLOADS, type Workload } from './workloads.js';

// `--soak MINUTES`: the memory soak (bench/soak.ts) instead of the comparison below.
if (process.argv.includes('--soak'))
  await import('./soak.js').then((soak) => soak.main()).then(() => process.exit(0));
// `--compression`: what br and gzip cost and save on CatalogDeep (bench/compression.ts).
if (process.argv.includes('--compression'))
  await import('./compression.js').then(() => process.exit(0));

const options = parseOptions(process.argv.slice(2));
const root = path.resolve(import.meta.dirname, '..');
// Every process (subgraphs, gateways) and the tokens below share the development keys.
const DEV_KEYS_DIR = path.join(root, '.dev-keys');

// why an offset: two benchmarks on one machine (say, two branches compared) must not share ports.
const PORT_OFFSET = Number(process.env.BENCH_PORT_OFFSET ?? 0);
const BASE_PORTS = {
  product: 5101,
  user: 5102,
  payment: 5103,
  // the subgraphs' request counters (`STATS_PORT`), read between single requests
  productStats: 5111,
  userStats: 5112,
  paymentStats: 5113,
  plain: 5100,
  hive: 5105,
  hiveRust: 5104,
  ours: 5000,
  cached: 5002,
  cachedRedis: 5003,
  cachedCluster: 5006,
};
const PORTS = Object.fromEntries(
  Object.entries(BASE_PORTS).map(([name, port]) => [name, port + PORT_OFFSET]),
) as typeof BASE_PORTS;
// The per-field cache: in process always, on Redis too when BENCH_REDIS_URL is set (e.g. redis://127.0.0.1:6379).
const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL;
const CACHE_ADMIN_TOKEN = 'bench-cache-admin-token';
const url = (port: number) => `http://127.0.0.1:${port}/graphql`;

interface Contender {
  readonly key: ContenderKey;
  readonly name: string;
  readonly url: string;
  readonly process: BenchProcess;
}

/** `--only`: plain `@apollo/gateway` always runs, it is the reference for every answer. */
const selected = (name: string) =>
  name.startsWith('plain') ||
  !options.only ||
  options.only.some((part) => name.toLowerCase().includes(part));

async function main(): Promise<void> {
  const pinned = pinSelf('1');
  const workloads = WORKLOADS.filter(
    (w) => !options.workloads || options.workloads.some((p) => w.name.toLowerCase().includes(p)),
  );
  if (workloads.length === 0) throw new Error('--workloads matches no workload');
  const redisArg = BENCH_REDIS_URL ? `BENCH_REDIS_URL=${BENCH_REDIS_URL} ` : '';
  const args = process.argv.slice(2).map((a) => (/^[\w.,:/=@+-]+$/.test(a) ? a : `'${a}'`));
  const command = `${redisArg}${process.execPath} --import tsx bench/run.ts ${args.join(' ')}`;
  const loadAtStart = os.loadavg();
  console.log(`command: ${command.trimEnd()}`);
  console.log(`node ${process.version}`);
  console.log(`machine: ${describeMachine()}`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-'));
  const supergraph = composeFor({
    product: url(PORTS.product),
    user: url(PORTS.user),
    payment: url(PORTS.payment),
  });
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  const plainSupergraphPath = path.join(dir, 'plain-supergraph.graphql');
  fs.writeFileSync(supergraphPath, supergraph);
  fs.writeFileSync(plainSupergraphPath, prepareSupergraph(supergraph).gatewaySdl);

  await mintTokens(WORKLOADS, DEV_KEYS_DIR);
  const started: BenchProcess[] = [];
  let cluster: BenchCluster | null = null;
  try {
    cluster = await startBenchCluster(selected);
    for (const name of ['product', 'user', 'payment'] as const) {
      started.push(
        await startNode(
          name,
          path.join(root, 'subgraphs/main.ts'),
          [name],
          {
            PORT: String(PORTS[name]),
            STATS_PORT: String(PORTS[`${name}Stats`]),
            LOG_LEVEL: 'warn',
            DEV_KEYS_DIR,
          },
          url(PORTS[name]),
          '1',
        ),
      );
    }
    const contenders = await startContenders(
      supergraphPath,
      plainSupergraphPath,
      started,
      cluster?.nodes,
    );
    // A local Redis server works for the Redis rows: its CPU is the benchmark's, not "other".
    const usesRedis = contenders.some((c) => c.key === 'cachedRedis' || c.key === 'budgetsRedis');
    const redisPid = usesRedis ? localRedisPid() : null;
    const benchPids = () => [
      process.pid,
      ...started.map((p) => p.pid),
      ...(redisPid ? [redisPid] : []),
      ...(cluster?.pids ?? []),
    ];

    console.log(
      `pinning: gateways on CPU 0, load generator and subgraphs on CPU 1: ${pinned ? 'yes' : 'no (taskset missing)'}` +
        (redisPid ? `; local Redis (pid ${redisPid}) counted as the benchmark's` : '') +
        (cluster ? `; Redis Cluster (6 nodes, any CPU) counted as the benchmark's` : ''),
    );
    console.log(
      `load: autocannon, ${options.connections} connections; per workload and contender ${options.warmup} s warm-up, ` +
        `then ${options.runs} × ${options.duration} s measured, runs interleaved across contenders; rows are medians\n`,
    );
    const rows: Row[] = [];
    for (const workload of workloads) {
      await checkAnswers(contenders, workload);
      if (options.warmup > 0)
        for (const contender of contenders)
          await load(contender.url, workload, options.warmup, options.connections);
      const runs = new Map<Contender, Measurement[]>(contenders.map((c) => [c, []]));
      for (let run = 0; run < options.runs; run++)
        for (const contender of contenders)
          runs.get(contender)!.push(await measure(contender, workload, benchPids));
      for (const contender of contenders)
        rows.push(
          summarize(
            workload.name,
            contender.name,
            contender.key,
            runs.get(contender)!,
            contender.process.peakRssMiB(),
          ),
        );
    }
    addRatios(rows);
    printTable(rows);
    const targetLines = workloads.flatMap((w) => targets(rows, w.name));
    console.log(`\ntargets (ours cold = cache off, every other feature on):`);
    for (const line of targetLines) console.log(line);
    if (cluster) {
      console.log(`\nRedis Cluster (3 masters + 3 replicas) against one Redis node:`);
      for (const w of workloads) for (const line of clusterCost(rows, w.name)) console.log(line);
    }
    console.log(`\nmachine at the end: ${describeMachine()}`);
    if (options.json)
      writeJson(options.json, { command: command.trimEnd(), loadAtStart, rows, targetLines });
    await subgraphRequests(
      contenders,
      workloads,
      [PORTS.productStats, PORTS.userStats, PORTS.paymentStats].map(
        (port) => `http://127.0.0.1:${port}/`,
      ),
    );
    await singleRequests(contenders, workloads, CACHE_ADMIN_TOKEN);
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the contenders `--only` selects, plain first; each is also pushed onto `started`. */
async function startContenders(
  supergraphPath: string,
  plainSupergraphPath: string,
  started: BenchProcess[],
  clusterNodes?: string,
): Promise<Contender[]> {
  // Plain and Hive verify nothing; they call the subgraphs as this caller (plainGateway.ts).
  const caller = WORKLOADS.find((w) => w.token)?.token;
  const callerEnv = {
    DEV_KEYS_DIR,
    BENCH_CALLER_SUB: caller?.sub ?? '',
    BENCH_CALLER_SCOPES: caller?.scopes ?? '',
    NODE_ENV: 'production',
  };
  const ours = (port: number, env: Record<string, string>) => (name: string) =>
    startNode(
      name,
      path.join(root, 'src/main.ts'),
      [],
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        // a free port: the metrics listener is not measured, and two benchmarks may run at once
        METRICS_PORT: '0',
        SUPERGRAPH_PATH: supergraphPath,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'development',
        DEV_KEYS_DIR,
        ADMIN_TOKEN: CACHE_ADMIN_TOKEN,
        // Limits, cost and budgets on, with a budget the load never exhausts (one caller).
        ...UNLIMITED_BUDGET,
        ...env,
      },
      url(port),
      '0',
    );
  const prefix = `bench:${process.pid}:`;
  // Plain and Hive: the same start, each its own script on the stripped supergraph.
  const baseline =
    (script: string, port: number, ...extra: string[]) =>
    (name: string) =>
      startNode(
        name,
        path.join(root, script),
        [plainSupergraphPath, String(port), ...extra],
        callerEnv,
        url(port),
        '0',
      );
  const plans: [ContenderKey, string, number, (name: string) => Promise<BenchProcess>][] = [
    ['plain', 'plain @apollo/gateway', PORTS.plain, baseline('bench/plainGateway.ts', PORTS.plain)],
    ['hive', 'Hive Gateway', PORTS.hive, baseline('bench/hiveGateway.ts', PORTS.hive)],
    [
      'hiveRust',
      'Hive Gateway (Rust planner)',
      PORTS.hiveRust,
      baseline('bench/hiveGateway.ts', PORTS.hiveRust, '--planner', 'rust'),
    ],
    // The cache off: every request pays every subgraph fetch (the cold cost).
    ['ours', 'ours', PORTS.ours, ours(PORTS.ours, { CACHE_ENABLED: 'false' })],
    ['cached', 'ours + cache (in-process, warm)', PORTS.cached, ours(PORTS.cached, {})],
  ];
  if (BENCH_REDIS_URL)
    plans.push([
      'cachedRedis',
      'ours + cache (Redis, warm)',
      PORTS.cachedRedis,
      ours(PORTS.cachedRedis, {
        REDIS_URL: BENCH_REDIS_URL,
        CACHE_KEY_PREFIX: prefix,
        RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
      }),
    ]);
  if (clusterNodes)
    plans.push([
      'cachedCluster',
      CLUSTER_CONTENDERS.cache,
      PORTS.cachedCluster,
      ours(PORTS.cachedCluster, {
        REDIS_CLUSTER_NODES: clusterNodes,
        CACHE_KEY_PREFIX: prefix,
        RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
      }),
    ]);
  const contenders: Contender[] = [];
  for (const [key, name, port, start] of plans) {
    if (!selected(name)) continue;
    const child = await start(name);
    started.push(child);
    contenders.push({ key, name, url: url(port), process: child });
  }
  // Cost budgets in Redis (one node, and the cluster), cache off: compare with `ours`
  // (bench/budgets.ts; --no-budgets skips).
  for (const extra of await budgetContenders(
    supergraphPath,
    DEV_KEYS_DIR,
    selected,
    clusterNodes,
  )) {
    started.push(extra.process);
    contenders.push({ name: extra.process.name, ...extra });
  }
  return contenders;
}

/** The process serving the benchmark's Redis, when that Redis runs on this machine. */
function localRedisPid(): number | null {
  const redis = new URL(BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(redis.hostname);
  return local ? pidListeningOn(Number(redis.port || 6379)) : null;
}

/** Every contender must answer `workload` exactly as plain `@apollo/gateway` (the first) does. */
async function checkAnswers(contenders: readonly Contender[], workload: Workload): Promise<void> {
  const reference = await answer(contenders[0]!.url, workload);
  for (const contender of contenders.slice(1)) {
    const differs = difference(await answer(contender.url, workload), reference);
    if (differs)
      throw new Error(
        `${contender.name} answered ${workload.name} differently from plain @apollo/gateway, ${differs}`,
      );
  }
}

async function measure(
  contender: Contender,
  workload: Workload,
  benchPids: () => number[],
): Promise<Measurement> {
  const window = otherCpuWindow(benchPids);
  const cpuBefore = contender.process.cpuMs();
  const result = await load(contender.url, workload, options.duration, options.connections);
  const cpu = contender.process.cpuMs() - cpuBefore;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuMsPerRequest: cpu / Math.max(1, result.requests.total),
    otherCpuPct: window.stop(),
  };
}

function writeJson(
  file: string,
  run: { command: string; loadAtStart: number[]; rows: readonly Row[]; targetLines: string[] },
): void {
  const report = {
    command: run.command,
    node: process.version,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      loadavgAtStart: run.loadAtStart,
      loadavgAtEnd: os.loadavg(),
    },
    options,
    rows: run.rows,
    targets: run.targetLines,
  };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`rows written to ${file}`);
}

await main();
