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
  const rows: { encoding: string; bytes: number; cpuMs: number; wallMs: number }[] = [];
  for (const encoding of ['identity', 'gzip', 'br']) {
    for (let i = 0; i < 20; i++) await post(stack.url, encoding); // warm-up
    const cpu = process.cpuUsage();
    const started = performance.now();
    let last = { bytes: 0, encoding: '' };
    for (let i = 0; i < REQUESTS; i++) last = await post(stack.url, encoding);
    const used = process.cpuUsage(cpu);
    if (last.encoding !== encoding) throw new Error(`asked ${encoding}, got ${last.encoding}`);
    rows.push({
      encoding,
      bytes: last.bytes,
      cpuMs: (used.user + used.system) / 1000 / REQUESTS,
      wallMs: (performance.now() - started) / REQUESTS,
    });
  }
  const base = rows[0]!;
  console.log(`CatalogDeep, ${REQUESTS} sequential requests each, Node ${process.version}`);
  console.log('encoding  bytes    ratio   CPU ms/req  vs identity  latency ms');
  for (const r of rows)
    console.log(
      `${r.encoding.padEnd(9)} ${String(r.bytes).padEnd(8)} ${(r.bytes / base.bytes).toFixed(3).padEnd(7)} ${r.cpuMs.toFixed(2).padEnd(11)} ${(r.cpuMs - base.cpuMs >= 0 ? '+' : '') + (r.cpuMs - base.cpuMs).toFixed(2).padEnd(12)} ${r.wallMs.toFixed(2)}`,
    );
} finally {
  keepAlive.destroy();
  await stack.stop();
}
