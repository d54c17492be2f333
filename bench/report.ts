/**
 * The benchmark's results: one row per (workload, contender) with the medians of its runs, the
 * ratios against the two references, the table `npm run bench` prints, and the targets block.
 */

/** Which contender a row belongs to, whatever its display name. */
export type ContenderKey =
  | 'plain'
  | 'hive'
  | 'hiveRust'
  | 'ours'
  | 'cached'
  | 'cachedRedis'
  | 'budgetsRedis'
  | 'cachedCluster'
  | 'budgetsCluster';

/** One measured run of one contender on one workload. */
export interface Measurement {
  /** Mean requests per second over the run. */
  readonly rps: number;
  /** Latency percentiles, in ms. */
  readonly p50: number;
  readonly p99: number;
  /** Transport errors + non-2xx answers. */
  readonly errors: number;
  /** The contender's own CPU time (user + system), in ms per answered request. */
  readonly cpuMsPerRequest: number;
  /** CPU used by processes outside the benchmark during the run, in % of one CPU (null: no /proc). */
  readonly otherCpuPct: number | null;
}

export interface Row {
  readonly workload: string;
  readonly contender: string;
  readonly key: ContenderKey;
  readonly runs: readonly Measurement[];
  /** Medians over `runs`. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMsPerRequest: number;
  /** Sum over `runs`. */
  readonly errors: number;
  /** The contender's peak RSS (VmHWM) at the end of its last run, in MiB. */
  readonly peakRssMiB: number;
  /** "Other CPU" over `runs`: median and maximum, % of one CPU. */
  readonly otherCpuPct: { readonly median: number; readonly max: number } | null;
  /**
   * Median req/s over that of plain `@apollo/gateway` (a), of Hive Gateway (b) and of Hive Gateway
   * with its Rust query planner on the workload.
   */
  vsPlain: number | null;
  vsHive: number | null;
  vsHiveRust: number | null;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(
  workload: string,
  contender: string,
  key: ContenderKey,
  runs: readonly Measurement[],
  peakRssMiB: number,
): Row {
  const of = (pick: (m: Measurement) => number) => median(runs.map(pick));
  const other = runs.flatMap((m) => (m.otherCpuPct === null ? [] : [m.otherCpuPct]));
  return {
    workload,
    contender,
    key,
    runs,
    rps: of((m) => m.rps),
    p50: of((m) => m.p50),
    p99: of((m) => m.p99),
    cpuMsPerRequest: of((m) => m.cpuMsPerRequest),
    errors: runs.reduce((sum, m) => sum + m.errors, 0),
    peakRssMiB,
    otherCpuPct: other.length ? { median: median(other), max: Math.max(...other) } : null,
    vsPlain: null,
    vsHive: null,
    vsHiveRust: null,
  };
}

/** Fills `vsPlain`, `vsHive` and `vsHiveRust` once every row of the workloads is in. */
export function addRatios(rows: readonly Row[]): void {
  for (const row of rows) {
    const of = (key: ContenderKey) =>
      rows.find((r) => r.workload === row.workload && r.key === key);
    const plain = of('plain');
    const hive = of('hive');
    const hiveRust = of('hiveRust');
    row.vsPlain = plain ? row.rps / plain.rps : null;
    row.vsHive = hive ? row.rps / hive.rps : null;
    row.vsHiveRust = hiveRust ? row.rps / hiveRust.rps : null;
  }
}

const times = (ratio: number | null) => (ratio === null ? '–' : `${ratio.toFixed(2)}×`);
const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export function printTable(rows: readonly Row[]): void {
  const header = [
    'workload',
    'contender',
    'req/s',
    'req/s min–max',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU ms/req',
    'peak RSS MiB',
    'other CPU % med/max',
    'vs plain',
    'vs Hive',
    'vs Hive Rust',
  ];
  const table = rows.map((row) => {
    const rps = row.runs.map((m) => m.rps);
    return [
      row.workload,
      row.contender,
      row.rps.toFixed(0),
      `${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)}`,
      ms(row.p50),
      ms(row.p99),
      String(row.errors),
      row.cpuMsPerRequest.toFixed(2),
      row.peakRssMiB.toFixed(0),
      row.otherCpuPct
        ? `${row.otherCpuPct.median.toFixed(0)} / ${row.otherCpuPct.max.toFixed(0)}`
        : 'n/a',
      times(row.vsPlain),
      times(row.vsHive),
      times(row.vsHiveRust),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of table) console.log(line(r));
}

/**
 * The project's goals on one workload, a line each, "met" or "not met" with the medians behind
 * it. "Ours cold" is the `ours` row: the field cache off, every other feature on.
 */
export function targets(rows: readonly Row[], workload: string): string[] {
  const of = (key: ContenderKey) => rows.find((r) => r.workload === workload && r.key === key);
  const line = (goal: string, a: Row | undefined, b: Row | undefined, test: Test) => {
    if (!a || !b) return `  ${goal}: n/a (not measured)`;
    const { met, numbers } = test(a, b);
    return `  ${goal}: ${met ? 'met' : 'not met'}, ${numbers}`;
  };
  const faster =
    (times: number, aName: string, bName: string): Test =>
    (a, b) => ({
      met: a.rps >= times * b.rps,
      numbers: `${(a.rps / b.rps).toFixed(2)}× (${aName} ${a.rps.toFixed(0)}, ${bName} ${b.rps.toFixed(0)} req/s)`,
    });
  const ours = of('ours');
  return [
    `${workload}:`,
    line('ours cold ≥ 2× Hive', ours, of('hive'), faster(2, 'ours', 'Hive')),
    line('ours cold ≥ 3× plain', ours, of('plain'), faster(3, 'ours', 'plain')),
    line('p99 ours cold ≤ Hive', ours, of('hive'), (a, b) => ({
      met: a.p99 <= b.p99,
      numbers: `ours ${ms(a.p99)} ms, Hive ${ms(b.p99)} ms`,
    })),
    line(
      'ours cold ≥ 1.5× Hive (Rust planner)',
      ours,
      of('hiveRust'),
      faster(1.5, 'ours', 'Hive Rust'),
    ),
    line('warm (in-process) ≥ 3× ours cold', of('cached'), ours, faster(3, 'warm', 'cold')),
    line('warm (in-process) ≥ 1.5× ours cold', of('cached'), ours, faster(1.5, 'warm', 'cold')),
    line('warm (Redis) ≥ 1.5× ours cold', of('cachedRedis'), ours, faster(1.5, 'warm', 'cold')),
  ];
}

type Test = (a: Row, b: Row) => { met: boolean; numbers: string };

/**
 * What the Redis Cluster costs on one workload: the warm cache and the budgets on the cluster
 * against the same on one Redis node, req/s and p99 (no goal, a record).
 */
export function clusterCost(rows: readonly Row[], workload: string): string[] {
  const of = (key: ContenderKey) => rows.find((r) => r.workload === workload && r.key === key);
  const line = (what: string, cluster: Row | undefined, node: Row | undefined) =>
    !cluster || !node
      ? `  ${what}: n/a (not measured)`
      : `  ${what}: ${(cluster.rps / node.rps).toFixed(2)}× the req/s of one node ` +
        `(cluster ${cluster.rps.toFixed(0)}, node ${node.rps.toFixed(0)}), p99 ${ms(cluster.p99)} vs ${ms(node.p99)} ms`;
  return [
    `${workload}:`,
    line('warm cache', of('cachedCluster'), of('cachedRedis')),
    line('budgets', of('budgetsCluster'), of('budgetsRedis')),
  ];
}
