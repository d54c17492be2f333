/**
 * `npm run bench -- --soak MINUTES`: holds a constant load on the gateway (three subgraph
 * processes, the gateway as `npm run gateway` runs it) and prints its RSS and heap at intervals,
 * then the trend after warm-up: memory must be flat once caches and pools are warm.
 * Options: --connections N (default 16), --interval SECONDS (default 30), --warmup-minutes M
 * (default: 2, or a fifth of a shorter run). `REDIS_URL` in the environment is passed on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKeys } from '../src/auth/keys.js';
import { composeFor } from '../test/helpers/stack.js';
import { startNode, type BenchProcess } from './processes.js';
import { WORKLOADS } from './workloads.js';

const PORTS = { product: 5201, user: 5202, payment: 5203, gateway: 5200, metrics: 5209 };
const url = (port: number) => `http://127.0.0.1:${port}/graphql`;
const root = path.resolve(import.meta.dirname, '..');
const MiB = 1024 * 1024;

/**
 * Preloaded into the soak's gateway only: a full garbage collection on SIGUSR2, so each sample
 * reads what survives collection rather than wherever the collector happens to be.
 */
const GC_ON_SIGUSR2 = `data:text/javascript,${encodeURIComponent(
  "import v8 from 'node:v8'; import vm from 'node:vm'; v8.setFlagsFromString('--expose-gc'); " +
    "const gc = vm.runInNewContext('gc'); process.on('SIGUSR2', () => gc());",
)}`;

interface Sample {
  readonly minute: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const option = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    const value = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`--${name} must be a positive number`);
    return value;
  };
  const minutes = option('soak', 10);
  const connections = option('connections', 16);
  const intervalSec = option('interval', 30);
  const warmupMinutes = option('warmup-minutes', Math.min(2, minutes / 5));

  const devKeysDir = path.join(root, '.dev-keys');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-soak-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(
    supergraphPath,
    composeFor({ product: url(PORTS.product), user: url(PORTS.user), payment: url(PORTS.payment) }),
  );
  const started: BenchProcess[] = [];
  try {
    for (const name of ['product', 'user', 'payment'] as const)
      started.push(
        await startNode(
          name,
          path.join(root, 'subgraphs/main.ts'),
          [name],
          {
            PORT: String(PORTS[name]),
            LOG_LEVEL: 'warn',
            DEV_KEYS_DIR: devKeysDir,
          },
          url(PORTS[name]),
        ),
      );
    const gateway = await startNode(
      'gateway',
      path.join(root, 'src/main.ts'),
      [],
      {
        PORT: String(PORTS.gateway),
        HOST: '127.0.0.1',
        METRICS_PORT: String(PORTS.metrics),
        SUPERGRAPH_PATH: supergraphPath,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'development',
        DEV_KEYS_DIR: devKeysDir,
        NODE_OPTIONS: `--import=${GC_ON_SIGUSR2}`,
        // why: the soak measures memory under steady traffic, not refusals; budgets stay on, out of reach.
        RATE_LIMIT_CAPACITY: '1000000000',
        RATE_LIMIT_REFILL_PER_SECOND: '1000000000',
        ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      },
      url(PORTS.gateway),
    );
    started.push(gateway);

    const requests = await Promise.all(
      WORKLOADS.map(async (w) => ({
        method: 'POST' as const,
        body: w.body,
        headers: {
          'content-type': 'application/json',
          ...w.headers,
          ...(w.token ? { authorization: `Bearer ${await token(devKeysDir, w.token)}` } : {}),
        },
      })),
    );
    for (const r of requests) await checkAnswer(url(PORTS.gateway), r);

    console.log(
      `soak: node ${process.version}, ${os.cpus().length} CPUs; ${minutes} min at ${connections} connections, ` +
        `workloads ${WORKLOADS.map((w) => w.name).join(' | ')} in turn; sample every ${intervalSec} s; ` +
        `warm-up ${warmupMinutes} min; Redis: ${process.env.REDIS_URL ? 'yes' : 'no (in-process stores)'}\n`,
    );
    console.log('  min |  RSS MiB | heap MiB after GC |  req/s | p99 ms | non-2xx+errors');
    const samples: Sample[] = [];
    const begin = Date.now();
    let failures = 0;
    while (Date.now() - begin < minutes * 60_000) {
      const seconds = Math.min(
        intervalSec,
        Math.ceil((minutes * 60_000 - (Date.now() - begin)) / 1000),
      );
      const result = await autocannon({
        url: url(PORTS.gateway),
        connections,
        duration: seconds,
        requests,
      });
      await checkAnswer(url(PORTS.gateway), requests[0]!);
      const sample = {
        minute: (Date.now() - begin) / 60_000,
        rssMiB: rssMiB(gateway),
        heapMiB: await heapAfterGcMiB(gateway, PORTS.metrics),
      };
      samples.push(sample);
      failures += result.non2xx + result.errors;
      console.log(
        `${sample.minute.toFixed(1).padStart(5)} | ${sample.rssMiB.toFixed(1).padStart(8)} | ${sample.heapMiB.toFixed(1).padStart(17)} | ` +
          `${result.requests.average.toFixed(0).padStart(6)} | ${String(result.latency.p99).padStart(6)} | ${result.non2xx + result.errors}`,
      );
    }
    summarize(samples, warmupMinutes, failures);
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The trend after warm-up: least-squares slope (MiB per minute) and first-to-last change. */
function summarize(samples: readonly Sample[], warmupMinutes: number, failures: number): void {
  const warm = samples.filter((s) => s.minute >= warmupMinutes);
  if (warm.length < 2) {
    console.log('\nnot enough samples after warm-up for a trend');
    return;
  }
  const trend = (pick: (s: Sample) => number) => {
    const mx = warm.reduce((a, s) => a + s.minute, 0) / warm.length;
    const my = warm.reduce((a, s) => a + pick(s), 0) / warm.length;
    const num = warm.reduce((a, s) => a + (s.minute - mx) * (pick(s) - my), 0);
    const den = warm.reduce((a, s) => a + (s.minute - mx) ** 2, 0);
    return { slope: num / den, change: pick(warm.at(-1)!) - pick(warm[0]!) };
  };
  const rss = trend((s) => s.rssMiB);
  const heap = trend((s) => s.heapMiB);
  const rssValues = warm.map((s) => s.rssMiB);
  // why the heap decides: heap after a full GC is what a leak grows; RSS also moves with load
  // (young generation, allocator arenas) and is reported as its range and trend.
  // A leak of one small object per request (~100 B at ~100 req/s) is ~0.6 MiB/min.
  const flat = heap.slope < 0.5;
  console.log(
    `\nafter warm-up (${warm.length} samples): heap after GC ${heap.slope.toFixed(2)} MiB/min ` +
      `(${signed(heap.change)} MiB first to last); RSS ${Math.min(...rssValues).toFixed(0)}–` +
      `${Math.max(...rssValues).toFixed(0)} MiB, ${rss.slope.toFixed(2)} MiB/min ` +
      `(${signed(rss.change)} MiB); failed requests: ${failures}`,
  );
  console.log(`memory ${flat ? 'FLAT' : 'GROWING'} (flat = heap after GC grows < 0.5 MiB/min)`);
}

const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;

function rssMiB(process: BenchProcess): number {
  const pid = process.child.pid!;
  const kib = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib ?? 0) / 1024;
}

/**
 * Heap in use after a full collection: SIGUSR2 makes the gateway collect (see `GC_ON_SIGUSR2`),
 * then `nodejs_heap_size_used_bytes` is read from its `/metrics` (on its metrics listener).
 */
async function heapAfterGcMiB(gateway: BenchProcess, port: number): Promise<number> {
  gateway.child.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 500));
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text)?.[1] ?? 0) / MiB;
}

/** One request checked in full: 200 and no GraphQL errors (autocannon counts statuses only). */
async function checkAnswer(
  target: string,
  request: { body: string; headers: Record<string, string> },
) {
  const response = await fetch(target, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
  const body = (await response.json()) as { errors?: unknown };
  if (response.status !== 200 || body.errors)
    throw new Error(`soak request failed: ${response.status} ${JSON.stringify(body.errors)}`);
}

async function token(dir: string, caller: { sub: string; scopes: string }): Promise<string> {
  const { client } = loadDevKeys(dir);
  return new SignJWT({ scope: caller.scopes })
    .setProtectedHeader({ alg: client.alg, kid: client.kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(caller.sub)
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(client.privateKey);
}
