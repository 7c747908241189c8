import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where the machine's CPU went during a scenario, per right answer: the gateway (or the bare baseline), this
 * bench process (autocannon, or the raw-pg client of a floor), PostgreSQL and Redis when they run on this
 * machine, and the whole machine from /proc/stat. On a small machine where the gateway and PostgreSQL share
 * the cores, the floors are bound by the same cores, so these figures say how far a ratio can go.
 * Linux only: every figure is null where /proc is missing; PostgreSQL and Redis are null when no process of
 * theirs is visible (a server on another host).
 */
export interface CpuSnapshot {
  at: number;
  /** Machine-wide CPU time, ms: busy (user, nice, system, irq, softirq), idle (with iowait), stolen. */
  machine: { busyMs: number; idleMs: number; stealMs: number } | null;
  benchMs: number;
  serverMs: number | null;
  postgresMs: number | null;
  redisMs: number | null;
}

export interface CpuShare {
  name: string;
  answers: number;
  /** ms of CPU per right answer. */
  serverMs: number | null;
  benchMs: number;
  postgresMs: number | null;
  redisMs: number | null;
  machineBusyMs: number | null;
  /** Average cores idle and stolen over the scenario. */
  idleCores: number | null;
  stealCores: number | null;
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux build Node supports

/**
 * A process's CPU time from the text of its /proc/<pid>/stat, ms: user + system, and with `reapedChildren` its
 * waited-for children's too. The name (field 2) may hold spaces and parentheses, so fields count from the last ')'.
 */
export function procStatCpuMs(stat: string, reapedChildren = false): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + (reapedChildren ? Number(f[13]) + Number(f[14]) : 0)) * TICK_MS;
}

/** The CPU time of one process, ms (procStatCpuMs); null when it cannot be read (no /proc, or it exited). */
export function processCpuMs(pid: number): number | null {
  try {
    return procStatCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function machineTimes(): CpuSnapshot['machine'] {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    return { busyMs: (user + nice + system + irq + softirq) * TICK_MS, idleMs: (idle + iowait) * TICK_MS, stealMs: steal * TICK_MS };
  } catch {
    return null;
  }
}

/**
 * CPU of every process named `postgres` or `redis-server`, ms, with their reaped children's (a backend that
 * exits between two snapshots moves its time to the postmaster's cutime, so a delta stays whole).
 */
function serverTimes(): { postgresMs: number | null; redisMs: number | null } {
  let postgres: number | null = null;
  let redis: number | null = null;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return { postgresMs: null, redisMs: null };
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (comm !== 'postgres' && comm !== 'redis-server') continue;
    const ms = procStatCpuMs(stat, true);
    if (comm === 'postgres') postgres = (postgres ?? 0) + ms;
    else redis = (redis ?? 0) + ms;
  }
  return { postgresMs: postgres, redisMs: redis };
}

export function cpuSnapshot(serverCpuMs: () => number | null = () => null): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    machine: machineTimes(),
    benchMs: (own.user + own.system) / 1000,
    serverMs: serverCpuMs(),
    ...serverTimes(),
  };
}

export function cpuShare(name: string, answers: number, a: CpuSnapshot, b: CpuSnapshot): CpuShare {
  const per = (x: number | null, y: number | null) => (x !== null && y !== null && answers > 0 ? (y - x) / answers : null);
  const wallMs = b.at - a.at;
  const cores = (x: number | undefined, y: number | undefined) => (x !== undefined && y !== undefined && wallMs > 0 ? (y - x) / wallMs : null);
  return {
    name,
    answers,
    serverMs: per(a.serverMs, b.serverMs),
    benchMs: answers > 0 ? (b.benchMs - a.benchMs) / answers : 0,
    postgresMs: per(a.postgresMs, b.postgresMs),
    redisMs: per(a.redisMs, b.redisMs),
    machineBusyMs: per(a.machine?.busyMs ?? null, b.machine?.busyMs ?? null),
    idleCores: cores(a.machine?.idleMs, b.machine?.idleMs),
    stealCores: cores(a.machine?.stealMs, b.machine?.stealMs),
  };
}
