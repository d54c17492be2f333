import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { processCpuMs } from './machine.js';

/** A server process started for the benchmark. */
export interface BenchProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Peak resident set size so far, in MiB (VmHWM). */
  peakRssMiB(): number;
  /** User + system CPU time so far, in milliseconds. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/**
 * Starts `node --import tsx FILE ARGS` with the Node binary running the benchmark
 * (`process.execPath`, so a run under another Node version benchmarks that version throughout),
 * optionally pinned to `cpus`, and waits until `url` answers. `taskset` execs Node in place, so
 * the pid is Node's.
 */
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
  try {
    await waitFor(readyUrl, name, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const pid = child.pid!;
  return {
    name,
    child,
    pid,
    peakRssMiB: () =>
      Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) /
      1024,
    cpuMs: () => processCpuMs(pid),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // why the timer: a server that ignores SIGTERM must not keep the benchmark from exiting.
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

async function waitFor(url: string, name: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before answering`);
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
