import { answer } from './traffic.js';
import type { Workload } from './workloads.js';

/** Requests per workload and contender: the mean over this many, one at a time. */
const SAMPLES = 5;

/**
 * Subgraph requests per operation: each workload sent `SAMPLES` times, one at a time (no load), to
 * each contender, counting the GraphQL requests the subgraph processes received meanwhile (their
 * `STATS_PORT` listener, `subgraphs/main.ts`). A warm cache sends fewer or none; ours merges the
 * fetches of one step to one subgraph (`SUBGRAPH_BATCHING`).
 */
export async function subgraphRequests(
  contenders: readonly { readonly name: string; readonly url: string }[],
  workloads: readonly Workload[],
  statsUrls: readonly string[],
): Promise<void> {
  // why NaN, not a throw: a counter out of reach (another benchmark holds the ports) costs a cell, not the run
  const received = async () => {
    const counts = await Promise.all(
      statsUrls.map(
        async (url) => ((await (await fetch(url)).json()) as { requests: number }).requests,
      ),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  };
  const count = () => received().catch(() => NaN);
  console.log(`\nsubgraph requests per operation (mean of ${SAMPLES}, one at a time)`);
  console.log(`| workload | ${contenders.map((c) => c.name).join(' | ')} |`);
  console.log(`|---|${contenders.map(() => '---|').join('')}`);
  for (const workload of workloads) {
    const cells: string[] = [];
    for (const contender of contenders) {
      // why first: a persisted query registers once; that request is not the operation's.
      await answer(contender.url, workload);
      const before = await count();
      for (let i = 0; i < SAMPLES; i++) await answer(contender.url, workload);
      const after = await count();
      cells.push(Number.isNaN(after - before) ? 'n/a' : String((after - before) / SAMPLES));
    }
    console.log(`| ${workload.name} | ${cells.join(' | ')} |`);
  }
}
