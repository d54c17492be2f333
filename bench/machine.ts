/**
 * What else ran on the machine during a measurement: the CPU time all CPUs spent busy
 * (`/proc/stat`) minus the CPU time of the benchmark's own processes (`/proc/PID/stat`), so a run
 * disturbed by something outside the benchmark shows in the table instead of passing as a result.
 */
import fs from 'node:fs';
import os from 'node:os';

/** `/proc` counts CPU time in clock ticks of USER_HZ, which Linux fixes at 100 a second. */
const MS_PER_TICK = 10;

/**
 * Busy CPU time of the whole machine so far, in ms, over all CPUs: user, nice, system, irq,
 * softirq and steal (time the hypervisor gave to other guests). Idle and iowait are not busy.
 * Null where `/proc/stat` does not exist (not Linux).
 */
export function machineBusyMs(): number | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = cpu.slice(1).map(Number);
    return (
      ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) *
      MS_PER_TICK
    );
  } catch {
    return null;
  }
}

/** User + system CPU time of process `pid` so far (all its threads), in ms; 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    // Fields after the `(comm)`: state is 3rd, utime 14th and stime 15th of the full line.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return 0;
  }
}

/**
 * The process listening on TCP `port` on this machine (e.g. the local Redis server), found through
 * the socket's inode in `/proc/net/tcp{,6}` and `/proc/PID/fd`; null if none or not visible.
 */
export function pidListeningOn(port: number): number | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT" in hex, st 0A is LISTEN, inode is the 10th field.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9])
        inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`))
        if (inodes.has(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return null;
}

/**
 * Starts a measurement window over the benchmark's processes `pids()` (read at both ends, so
 * processes started later count). `stop()` answers the CPU time used by everything else on the
 * machine during the window, as a percentage of one CPU (100 = one CPU fully taken), or null
 * where `/proc` is missing. Tick-based accounting makes it exact to a few percent, no better.
 */
export function otherCpuWindow(pids: () => readonly number[]): { stop(): number | null } {
  const ours = () => pids().reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const startedAt = performance.now();
  const busyBefore = machineBusyMs();
  const oursBefore = ours();
  return {
    stop() {
      const busyAfter = machineBusyMs();
      if (busyBefore === null || busyAfter === null) return null;
      const other = busyAfter - busyBefore - (ours() - oursBefore);
      return (Math.max(0, other) / (performance.now() - startedAt)) * 100;
    },
  };
}

/** One line on the machine: CPU count and model, and the load averages over 1, 5 and 15 min. */
export function describeMachine(): string {
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `${cpus.length} CPUs (${cpus[0]?.model ?? '?'}), load average ${load} (1, 5, 15 min)`;
}
