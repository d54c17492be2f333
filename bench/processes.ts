import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** A server process started for the benchmark. */
export interface BenchProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Peak resident set size so far, in MiB (VmHWM). */
  peakRssMiB(): number;
  /** User + system CPU time so far, in milliseconds. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/** Starts `node --import tsx FILE ARGS`, optionally pinned to `cpus`, and waits until `url` answers. */
export async function startNode(
  name: string,
  file: string,
  args: string[],
  env: Record<string, string>,
  readyUrl: string,
  cpus?: string,
): Promise<BenchProcess> {
  const command = hasTaskset && cpus ? 'taskset' : process.execPath;
  const argv = ['--import', 'tsx', file, ...args];
  const child = spawn(
    command,
    hasTaskset && cpus ? ['-c', cpus, process.execPath, ...argv] : argv,
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await waitFor(readyUrl, name);
  const pid = child.pid!;
  return {
    name,
    child,
    peakRssMiB: () =>
      Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) /
      1024,
    cpuMs: () => {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitFor(url: string, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      // A subgraph answers 401 to a call without the gateway's internal token: it is up.
      if (response.ok || response.status === 401) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start within 30 s`);
}

/** Pins this process (the load generator) to `cpus` when taskset exists. */
export function pinSelf(cpus: string): boolean {
  return hasTaskset && spawnSync('taskset', ['-cp', cpus, String(process.pid)]).status === 0;
}
