import { readdirSync, readFileSync } from 'node:fs';

/** A local process's name and its user + system CPU in ms (clock ticks of 10 ms); null when it is gone or not here. */
function processStat(pid: number | string): { name: string; cpuMs: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const nameEnd = stat.lastIndexOf(') '); // the name is in parentheses, and may hold either
  const fields = stat.slice(nameEnd + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, nameEnd), cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
}

/** user + system CPU of a local process, in ms; null when it is gone or not on this machine. */
export const processCpuMs = (pid: number | string): number | null => processStat(pid)?.cpuMs ?? null;

/**
 * CPU of every PostgreSQL process on this machine (backends, WAL writer, autovacuum: all a system's load makes the
 * server do), by pid; empty where the server does not run here or /proc cannot be read.
 */
export function postgresProcessesCpu(): Map<string, number> {
  const cpu = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return cpu;
  }
  for (const pid of pids) {
    const stat = processStat(pid); // null: ended meanwhile
    if (stat?.name === 'postgres') cpu.set(pid, stat.cpuMs);
  }
  return cpu;
}

/** What PostgreSQL's processes spent in a span of time: in all, and each that spent any (ms, most first). */
export interface PostgresCpu {
  totalMs: number;
  byProcessMs: number[];
}

/**
 * Starts counting the CPU PostgreSQL spends from now on; the returned function tells how much, or null when no
 * PostgreSQL process runs on this machine. A process started meanwhile counts whole; one that ended before the
 * reading is not counted past the start, so read it while the measured system's connections are still open.
 * By process, because how a system spreads its statements over backends changes what they cost (bench/RESULTS.md,
 * "6 December, 23:00-24:00").
 */
export function postgresCpuFromNow(): () => PostgresCpu | null {
  const before = postgresProcessesCpu();
  return () => {
    const after = postgresProcessesCpu();
    if (after.size === 0) return null;
    const byProcessMs = [...after]
      .map(([pid, ms]) => ms - (before.get(pid) ?? 0))
      .filter((ms) => ms > 0)
      .sort((a, b) => b - a);
    return { totalMs: byProcessMs.reduce((sum, ms) => sum + ms, 0), byProcessMs };
  };
}
