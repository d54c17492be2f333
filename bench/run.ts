/**
 * `npm run bench`: the same fixed load against each contender, side by side in one process tree.
 * Contenders: (a) plain `@apollo/gateway` in `@apollo/server`'s standalone server — the baseline —
 * and (b) this gateway, on the same supergraph and the same three subgraph processes.
 * Options: --duration SECONDS (default 10), --connections N (default 32), --warmup SECONDS (default 3).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKeys } from '../src/auth/keys.js';
import { prepareSupergraph } from '../src/supergraph/prepare.js';
import { composeFor } from '../test/helpers/stack.js';
import { budgetContenders, UNLIMITED_BUDGET } from './budgets.js';
import { pinSelf, startNode, type BenchProcess } from './processes.js';
import { WORKLOADS, type Workload } from './workloads.js';

// `--soak MINUTES`: the memory soak (bench/soak.ts) instead of the comparison below.
if (process.argv.includes('--soak'))
  await import('./soak.js').then((soak) => soak.main()).then(() => process.exit(0));

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const duration = option('duration', 10);
const warmup = option('warmup', 3);
const connections = option('connections', 32);
const root = path.resolve(import.meta.dirname, '..');
// Every process (subgraphs, both gateways) and the tokens below share the development keys.
const DEV_KEYS_DIR = path.join(root, '.dev-keys');
/** `Authorization` per workload that has a caller: a development-key token, valid for the run. */
const authorization = new Map<Workload, string>();
const headersOf = (workload: Workload) => ({
  'content-type': 'application/json',
  ...workload.headers,
  ...(authorization.has(workload) ? { authorization: authorization.get(workload)! } : {}),
});

const PORTS = {
  product: 5101,
  user: 5102,
  payment: 5103,
  plain: 5100,
  ours: 5000,
  cached: 5002,
  cachedRedis: 5003,
};
// The per-field cache: in process always, on Redis too when BENCH_REDIS_URL is set (e.g. redis://127.0.0.1:6379).
const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL;
const CACHE_ADMIN_TOKEN = 'bench-cache-admin-token';
const url = (port: number) => `http://127.0.0.1:${port}/graphql`;

interface Row {
  workload: string;
  contender: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpuMsPerRequest: number;
  peakRssMiB: number;
}

async function main(): Promise<void> {
  const pinned = pinSelf('1');
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

  const { client } = loadDevKeys(DEV_KEYS_DIR);
  for (const workload of WORKLOADS) {
    if (!workload.token) continue;
    const jwt = await new SignJWT({ scope: workload.token.scopes })
      .setProtectedHeader({ alg: client.alg, kid: client.kid, typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject(workload.token.sub)
      .setIssuedAt()
      .setExpirationTime('6h')
      .sign(client.privateKey);
    authorization.set(workload, `Bearer ${jwt}`);
  }
  // The plain gateway verifies nothing; it calls the subgraphs as this caller (see plainGateway.ts).
  const caller = WORKLOADS.find((w) => w.token)?.token;
  const started: BenchProcess[] = [];
  try {
    for (const name of ['product', 'user', 'payment'] as const) {
      started.push(
        await startNode(
          name,
          path.join(root, 'subgraphs/main.ts'),
          [name],
          { PORT: String(PORTS[name]), LOG_LEVEL: 'warn', DEV_KEYS_DIR },
          url(PORTS[name]),
          '1',
        ),
      );
    }
    const contenders: BenchProcess[] = [
      await startNode(
        'plain @apollo/gateway',
        path.join(root, 'bench/plainGateway.ts'),
        [plainSupergraphPath, String(PORTS.plain)],
        {
          NODE_ENV: 'production',
          DEV_KEYS_DIR,
          BENCH_CALLER_SUB: caller?.sub ?? '',
          BENCH_CALLER_SCOPES: caller?.scopes ?? '',
        },
        url(PORTS.plain),
        '0',
      ),
      await startNode(
        'ours',
        path.join(root, 'src/main.ts'),
        [],
        {
          PORT: String(PORTS.ours),
          HOST: '127.0.0.1',
          SUPERGRAPH_PATH: supergraphPath,
          LOG_LEVEL: 'warn',
          NODE_ENV: 'development',
          DEV_KEYS_DIR,
          // The cache off: every request pays every subgraph fetch (the cold cost).
          CACHE_ENABLED: 'false',
          // Limits, cost and budgets on, with a budget the load never exhausts (one caller).
          ...UNLIMITED_BUDGET,
        },
        url(PORTS.ours),
        '0',
      ),
      ...(await cacheContenders(supergraphPath)),
    ];
    started.push(...contenders);
    const urls = [url(PORTS.plain), url(PORTS.ours), url(PORTS.cached)];
    if (BENCH_REDIS_URL) urls.push(url(PORTS.cachedRedis));
    // Cost budgets in Redis, cache off: compare with `ours` (bench/budgets.ts; --no-budgets skips).
    for (const extra of await budgetContenders(supergraphPath, DEV_KEYS_DIR)) {
      contenders.push(extra.process);
      started.push(extra.process);
      urls.push(extra.url);
    }

    console.log(
      `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}); gateways pinned to CPU 0, load and subgraphs to CPU 1: ${pinned ? 'yes' : 'no (taskset missing)'}`,
    );
    console.log(
      `load: autocannon, ${connections} connections, ${warmup} s warm-up, ${duration} s measured, per workload and contender\n`,
    );
    const rows: Row[] = [];
    for (const workload of WORKLOADS) {
      const reference = await answer(urls[0]!, workload);
      for (const [i, contender] of contenders.entries()) {
        const got = await answer(urls[i]!, workload);
        if (JSON.stringify(got) !== JSON.stringify(reference))
          throw new Error(
            `${contender.name} answered ${workload.name} differently from the baseline`,
          );
        await load(urls[i]!, workload, warmup);
        const cpuBefore = contender.cpuMs();
        const result = await load(urls[i]!, workload, duration);
        const cpu = contender.cpuMs() - cpuBefore;
        rows.push({
          workload: workload.name,
          contender: contender.name,
          rps: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          errors: result.errors + result.non2xx,
          cpuMsPerRequest: cpu / Math.max(1, result.requests.total),
          peakRssMiB: contender.peakRssMiB(),
        });
      }
    }
    print(rows);
    await coldVsWarm(urls);
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function answer(target: string, workload: Workload): Promise<unknown> {
  if (workload.register) {
    // Automatic persisted queries: the first request registers the document under its hash.
    await fetch(target, { method: 'POST', headers: headersOf(workload), body: workload.register });
  }
  const response = await fetch(target, {
    method: 'POST',
    headers: headersOf(workload),
    body: workload.body,
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (body.errors)
    throw new Error(`${workload.name} failed at ${target}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

function load(target: string, workload: Workload, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: target,
    method: 'POST',
    connections,
    duration: seconds,
    headers: headersOf(workload),
    body: workload.body,
  });
}

function print(rows: Row[]): void {
  const header = [
    'workload',
    'contender',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU ms/req',
    'peak RSS MiB',
    'req/s vs plain',
  ];
  const table = rows.map((row) => {
    const baseline = rows.find(
      (r) => r.workload === row.workload && r.contender.startsWith('plain'),
    );
    return [
      row.workload,
      row.contender,
      row.rps.toFixed(0),
      String(row.p50),
      String(row.p99),
      String(row.errors),
      row.cpuMsPerRequest.toFixed(2),
      row.peakRssMiB.toFixed(0),
      baseline ? `${(row.rps / baseline.rps).toFixed(2)}×` : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of table) console.log(line(r));
}

/** Ours with the per-field cache on (warmed by the warm-up before each measurement). */
async function cacheContenders(supergraphPath: string): Promise<BenchProcess[]> {
  const start = (name: string, port: number, env: Record<string, string>) =>
    startNode(
      name,
      path.join(root, 'src/main.ts'),
      [],
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        SUPERGRAPH_PATH: supergraphPath,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'development',
        DEV_KEYS_DIR,
        ADMIN_TOKEN: CACHE_ADMIN_TOKEN,
        ...UNLIMITED_BUDGET,
        ...env,
      },
      url(port),
      '0',
    );
  const prefix = `bench:${process.pid}:`;
  return [
    await start('ours + cache (in-process, warm)', PORTS.cached, {}),
    ...(BENCH_REDIS_URL
      ? [
          await start('ours + cache (Redis, warm)', PORTS.cachedRedis, {
            REDIS_URL: BENCH_REDIS_URL,
            CACHE_KEY_PREFIX: prefix,
            RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
          }),
        ]
      : []),
  ];
}

/**
 * Cold vs warm, one request at a time (no load): the median latency of each workload on plain
 * `@apollo/gateway`, ours without the cache, ours with a cache emptied before every request
 * (`POST /cache/invalidate` for each subgraph: every field misses and is written), and ours warm.
 */
async function coldVsWarm(urls: readonly string[]): Promise<void> {
  const [plainUrl, offUrl, cachedUrl] = urls as [string, string, string];
  const samples = 40;
  const invalidateAll = () =>
    Promise.all(
      ['product', 'user', 'payment'].map((subgraph) =>
        fetch(cachedUrl.replace(/\/graphql$/, '/cache/invalidate'), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${CACHE_ADMIN_TOKEN}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ subgraph }),
        }),
      ),
    );
  const median = async (target: string, workload: Workload, before?: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      await before?.();
      const started = performance.now();
      await answer(target, workload);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[Math.floor(samples / 2)]!.toFixed(2);
  };
  console.log(
    `\nsingle requests, median of ${samples} (ms): cold = cache emptied before each request`,
  );
  console.log('| workload | plain | ours, cache off | ours + cache, cold | ours + cache, warm |');
  console.log('|---|---|---|---|---|');
  for (const workload of WORKLOADS) {
    const cells = [
      await median(plainUrl, workload),
      await median(offUrl, workload),
      await median(cachedUrl, workload, invalidateAll),
      await median(cachedUrl, workload),
    ];
    console.log(`| ${workload.name} | ${cells.join(' | ')} |`);
  }
}

await main();
