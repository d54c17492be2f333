import type { ContenderKey } from './report.js';
import { answer } from './traffic.js';
import type { Workload } from './workloads.js';

const SAMPLES = 40;

/**
 * Cold vs warm, one request at a time (no load): the median latency of each workload on plain
 * `@apollo/gateway`, Hive Gateway (both planners), ours without the cache, ours with a cache emptied before every
 * request (`POST /cache/invalidate` for each subgraph: every field misses and is written), and
 * ours warm; a column per contender that ran.
 */
export async function singleRequests(
  contenders: readonly { readonly key: ContenderKey; readonly url: string }[],
  workloads: readonly Workload[],
  cacheAdminToken: string,
): Promise<void> {
  const of = (key: ContenderKey) => contenders.find((c) => c.key === key)?.url;
  const cachedUrl = of('cached');
  const invalidateAll = (target: string) => () =>
    Promise.all(
      ['product', 'user', 'payment'].map((subgraph) =>
        fetch(target.replace(/\/graphql$/, '/cache/invalidate'), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${cacheAdminToken}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ subgraph }),
        }),
      ),
    );
  const columns: [string, string | undefined, (() => Promise<unknown>) | undefined][] = [
    ['plain', of('plain'), undefined],
    ['Hive', of('hive'), undefined],
    ['Hive (Rust planner)', of('hiveRust'), undefined],
    ['ours, cache off', of('ours'), undefined],
    ['ours + cache, cold', cachedUrl, cachedUrl ? invalidateAll(cachedUrl) : undefined],
    ['ours + cache, warm', cachedUrl, undefined],
  ];
  const present = columns.filter(([, target]) => target);
  const median = async (target: string, workload: Workload, before?: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      await before?.();
      const begin = performance.now();
      await answer(target, workload);
      times.push(performance.now() - begin);
    }
    return times.sort((a, b) => a - b)[Math.floor(SAMPLES / 2)]!.toFixed(2);
  };
  console.log(
    `\nsingle requests, median of ${SAMPLES} (ms): cold = cache emptied before each request`,
  );
  console.log(`| workload | ${present.map(([label]) => label).join(' | ')} |`);
  console.log(`|---|${present.map(() => '---|').join('')}`);
  const goals: string[] = [];
  for (const workload of workloads) {
    const cells: string[] = [];
    for (const [, target, before] of present) cells.push(await median(target!, workload, before));
    console.log(`| ${workload.name} | ${cells.join(' | ')} |`);
    const cell = (label: string) => {
      const at = present.findIndex(([l]) => l === label);
      return at < 0 ? undefined : Number(cells[at]);
    };
    const ours = cell('ours, cache off');
    const rust = cell('Hive (Rust planner)');
    goals.push(
      ours === undefined || rust === undefined
        ? `  ${workload.name}: n/a (not measured)`
        : `  ${workload.name}: ${ours <= rust ? 'met' : 'not met'}, ours ${ours.toFixed(2)} ms, ` +
            `Hive Rust ${rust.toFixed(2)} ms (${(ours / rust).toFixed(2)}×)`,
    );
  }
  console.log(`
target: unloaded latency, ours cache off ≤ Hive (Rust planner):`);
  for (const goal of goals) console.log(goal);
}
