/**
 * CPU per request of documents the operation limits are about, with the height limit on (the
 * default `MAX_HEIGHT`) and off (`MAX_HEIGHT` raised out of reach, i.e. the gateway before it had
 * one). Aliases are raised in both, so the height is the limit that binds. Every request sends a
 * new document (a fresh operation name), as an attacker would, so Apollo's parsed-document cache
 * never answers. Prints figures; asserts nothing.
 *
 *   npx tsx bench/operationLimits.ts
 *
 * The CPU is this process's (`process.cpuUsage`): the gateway and the three subgraphs it runs
 * in-process, so a refused request also saves the subgraphs' share.
 */
import { startStack, type Stack } from '../test/helpers/stack.js';

const REQUESTS = 60;
const repeat = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => f(i + 1)).join(' ');

const documents: Record<string, (height: number, k: number) => string> = {
  '600 × __typename (height 1)': (_, k) => `query q${k} { ${'__typename '.repeat(600)}}`,
  'MAX_HEIGHT + 1 unique fields (aliases)': (height, k) =>
    `query q${k} { product(id: "p1") { ${repeat(height, (i) => `a${i}: name`)} } }`,
  'MAX_HEIGHT + 1 fields through a fragment spread twice': (height, k) =>
    `query q${k} { product(id: "p1") { ...F ...F } } ` +
    `fragment F on Product { ${repeat(height, (i) => `a${i}: name`)} }`,
};

async function measure(stack: Stack, document: (k: number) => string) {
  for (let k = 0; k < 5; k++) await stack.query(document(-1 - k));
  const cpu = process.cpuUsage();
  const started = performance.now();
  let status = 0;
  for (let k = 0; k < REQUESTS; k++) status = (await stack.query(document(k))).status;
  const used = process.cpuUsage(cpu);
  return {
    status,
    wallMs: (performance.now() - started) / REQUESTS,
    cpuMs: (used.user + used.system) / 1000 / REQUESTS,
  };
}

const env = { MAX_ALIASES: '10000', MAX_TOKENS: '100000', MAX_QUERY_CHARS: '1000000' };
const on = await startStack({ env });
const off = await startStack({ env: { ...env, MAX_HEIGHT: '100000' } });
const height = on.config.limits.maxHeight;
try {
  console.log(`MAX_HEIGHT ${height}; ${REQUESTS} requests each, one at a time`);
  for (const [label, document] of Object.entries(documents)) {
    for (const [name, stack] of [
      ['limit off', off],
      ['limit on ', on],
    ] as const) {
      const r = await measure(stack, (k) => document(height, k));
      console.log(
        `${label.padEnd(56)} ${name}: HTTP ${r.status}, ` +
          `${r.cpuMs.toFixed(1)} ms CPU, ${r.wallMs.toFixed(1)} ms wall per request`,
      );
    }
  }
} finally {
  await Promise.all([on.stop(), off.stop()]);
}
