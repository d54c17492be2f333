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
import { prepareSupergraph } from '../src/supergraph/prepare.js';
import { composeFor } from '../test/helpers/stack.js';
import { pinSelf, startNode, type BenchProcess } from './processes.js';
import { WORKLOADS, type Workload } from './workloads.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const duration = option('duration', 10);
const warmup = option('warmup', 3);
const connections = option('connections', 32);
const root = path.resolve(import.meta.dirname, '..');

const PORTS = { product: 5101, user: 5102, payment: 5103, plain: 5100, ours: 5000 };
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

  const started: BenchProcess[] = [];
  try {
    for (const name of ['product', 'user', 'payment'] as const) {
      started.push(
        await startNode(
          name,
          path.join(root, 'subgraphs/main.ts'),
          [name],
          { PORT: String(PORTS[name]), LOG_LEVEL: 'warn' },
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
        { NODE_ENV: 'production' },
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
        },
        url(PORTS.ours),
        '0',
      ),
    ];
    started.push(...contenders);
    const urls = [url(PORTS.plain), url(PORTS.ours)];

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
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function answer(target: string, workload: Workload): Promise<unknown> {
  const response = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...workload.headers },
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
    headers: { 'content-type': 'application/json', ...workload.headers },
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

await main();
