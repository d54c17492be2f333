/**
 * `npm run bench -- --compression`: what response compression costs and saves on CatalogDeep
 * (the largest screen), against the same gateway sending it uncompressed (the baseline), in one
 * process: the real gateway and subgraphs built in-process, the same request sequentially with
 * `Accept-Encoding: identity`, `gzip` and `br`. Prints bytes on the wire, gateway-process CPU per
 * request (subgraphs included, so the difference is what compression adds) and the ratios.
 */
import http from 'node:http';
import { startStack } from '../test/helpers/stack.js';
import { WORKLOADS } from './workloads.js';

const REQUESTS = Number(process.env.BENCH_COMPRESSION_REQUESTS ?? 300);
const workload = WORKLOADS.find((w) => w.name.startsWith('CatalogDeep'));
if (!workload) throw new Error('no CatalogDeep workload');

function post(url: string, encoding: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': encoding },
        agent: keepAlive,
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () =>
          resolve({ bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(workload!.body);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

const stack = await startStack({
  env: { CACHE_ENABLED: 'false', RATE_LIMIT_CAPACITY: '100000000' },
});
try {
  const encodings = ['identity', 'gzip', 'br'] as const;
  const totals = new Map(encodings.map((e) => [e, { bytes: 0, cpuUs: 0, wallMs: 0, n: 0 }]));
  for (const encoding of encodings) for (let i = 0; i < 30; i++) await post(stack.url, encoding);
  // why interleaved rounds: the process warms up as it goes; each encoding gets its share of it.
  const ROUNDS = 6;
  for (let round = 0; round < ROUNDS; round++)
    for (const encoding of encodings) {
      const total = totals.get(encoding)!;
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < REQUESTS / ROUNDS; i++) {
        const answer = await post(stack.url, encoding);
        if (answer.encoding !== encoding)
          throw new Error(`asked ${encoding}, got ${answer.encoding}`);
        total.bytes = answer.bytes;
        total.n += 1;
      }
      const used = process.cpuUsage(cpu);
      total.cpuUs += used.user + used.system;
      total.wallMs += performance.now() - started;
    }
  const rows = encodings.map((encoding) => {
    const t = totals.get(encoding)!;
    return { encoding, bytes: t.bytes, cpuMs: t.cpuUs / 1000 / t.n, wallMs: t.wallMs / t.n };
  });
  const base = rows[0]!;
  console.log(
    `CatalogDeep, ${REQUESTS} sequential requests per encoding in interleaved rounds, Node ${process.version}`,
  );
  console.log('encoding  bytes    ratio   CPU ms/req  vs identity  latency ms');
  for (const r of rows)
    console.log(
      `${r.encoding.padEnd(9)} ${String(r.bytes).padEnd(8)} ${(r.bytes / base.bytes).toFixed(3).padEnd(7)} ${r.cpuMs.toFixed(2).padEnd(11)} ${(r.cpuMs - base.cpuMs >= 0 ? '+' : '') + (r.cpuMs - base.cpuMs).toFixed(2).padEnd(12)} ${r.wallMs.toFixed(2)}`,
    );
} finally {
  keepAlive.destroy();
  await stack.stop();
}
