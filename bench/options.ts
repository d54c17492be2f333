/** `npm run bench -- [options]`, read once; every problem is reported at once, then it exits. */
export interface BenchOptions {
  /** Measured runs per (workload, contender); the row shows their medians. @default 3 */
  readonly runs: number;
  /** Length of one measured run, in seconds. @default 10 */
  readonly duration: number;
  /** Load before the first run of each (workload, contender), unmeasured, in seconds (0: none). @default 3 */
  readonly warmup: number;
  /** Concurrent connections of the load generator. @default 32 */
  readonly connections: number;
  /** Lower-cased substrings of contender names to run (plain always runs); null = all. */
  readonly only: readonly string[] | null;
  /** Lower-cased substrings of workload names to run; null = all. */
  readonly workloads: readonly string[] | null;
  /** Write the rows as JSON to this file. */
  readonly json: string | null;
}

const VALUED = ['runs', 'duration', 'warmup', 'connections', 'only', 'workloads', 'json'];
const FLAGS = ['no-budgets', 'no-cluster'];

export function parseOptions(argv: readonly string[]): BenchOptions {
  const problems: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.replace(/^--/, '');
    if (VALUED.includes(name)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) problems.push(`--${name} needs a value`);
      else values.set(name, value);
    } else if (!FLAGS.includes(name)) {
      problems.push(`unknown option ${argv[i]} (options: --${[...VALUED, ...FLAGS].join(', --')})`);
      if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++; // its value
    }
  }
  const number = (name: string, fallback: number, integer: boolean, min = Number.MIN_VALUE) => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value)))
      problems.push(
        `--${name} must be a ${min === 0 ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}, got "${text}"`,
      );
    return value;
  };
  const list = (name: string) => {
    const text = values.get(name);
    if (text === undefined) return null;
    const parts = text
      .split(',')
      .map((part) => part.trim().toLowerCase())
      .filter(Boolean);
    if (parts.length === 0) problems.push(`--${name} needs a comma-separated list`);
    return parts;
  };
  const options: BenchOptions = {
    runs: number('runs', 3, true),
    duration: number('duration', 10, false),
    warmup: number('warmup', 3, false, 0),
    connections: number('connections', 32, true),
    only: list('only'),
    workloads: list('workloads'),
    json: values.get('json') ?? null,
  };
  if (problems.length) {
    process.stderr.write(`npm run bench: ${problems.join('; ')}\n`);
    process.exit(2);
  }
  return options;
}
