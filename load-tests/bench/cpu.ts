/**
 * Where the CPU goes during a load phase: the CPU time of every process on the machine, read from
 * /proc (read-only; nothing is signalled), grouped by what it is (gateway, order-service, redis,
 * kafka, postgres, the load driver, ...). On 2 cores the load driver and the shop share the CPU, so
 * the split tells which side a figure is bound by.
 * Stays, not pidusage: it gives one pid's percent over its own interval, not all processes' ticks.
 */
import * as fs from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  /**
   * utime + stime + cutime + cstime, in clock ticks: the process's own CPU time and that of its
   * children it has reaped (a Redis snapshot fork, a Postgres backend, a benchmark tool), so
   * that work done by a short-lived child counts for its parent.
   */
  readonly ticks: number;
  /** When the process started, in clock ticks since boot. */
  readonly startTicks: number;
}

/** Parses /proc/<pid>/stat (the comm field may contain spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const children = Number(rest[13]) + Number(rest[14]);
  const startTicks = Number(rest[19]);
  if (!Number.isFinite(pid) || !Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return {
    pid,
    comm,
    ppid,
    ticks: utime + stime + (Number.isFinite(children) ? children : 0),
    startTicks,
  };
}

const SERVICE_ENTRY = /dist\/apps\/([a-z-]+)\/src\/main\.js/;

/** A short label for a process from its argv and comm, or null for "other". */
export function labelOf(argv: readonly string[], comm: string): string | null {
  const joined = argv.join(' ');
  const service = SERVICE_ENTRY.exec(joined);
  if (service) return service[1];
  if (joined.includes('ceiling-server'))
    return joined.includes('--kind fastify') ? 'fastify floor' : 'ceiling server';
  if (comm.startsWith('redis-aof') || comm.startsWith('redis-rdb'))
    return 'redis (AOF rewrite / snapshot)';
  if (comm.startsWith('redis-server')) return 'redis';
  if (comm === 'redis-benchmark') return 'redis-benchmark';
  if (comm === 'pgbench') return 'pgbench';
  if (comm === 'postgres' || comm === 'postmaster') return 'postgres';
  if (comm === 'java' && joined.includes('kafka.Kafka')) return 'kafka';
  // load-tests' open-model generator (`vegeta attack`, `vegeta encode`): its CPU is the price of
  // the arrivals, not the shop's work, and must not hide in "other".
  if (comm === 'vegeta') return 'load generator';
  return null;
}

/** Per pid: its label, CPU ticks and start time; plus when the snapshot was taken. */
export interface CpuSnapshot {
  /** Seconds since boot (/proc/uptime) when the snapshot was taken. */
  readonly uptimeSec: number;
  readonly procs: ReadonlyMap<number, ProcEntry>;
  /** Busy ticks of the whole machine (/proc/stat: user + nice + system + steal), or null. */
  readonly machineBusy: number | null;
}

export interface ProcEntry {
  readonly label: string;
  readonly ticks: number;
  readonly startTicks: number;
  readonly ppid: number;
}

/** user + nice + system + steal of the `cpu` line of /proc/stat (irq and softirq left out). */
export function parseMachineBusy(procStat: string): number | null {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return null;
  return f[0] + f[1] + f[2] + f[7];
}

/** Every process's CPU ticks right now. `overrides` labels given pids (the driver, a bench gateway). */
export function cpuSnapshot(overrides: ReadonlyMap<number, string> = new Map()): CpuSnapshot {
  const procs = new Map<number, ProcEntry>();
  let uptimeSec = 0;
  let entries: string[];
  let machineBusy: number | null = null;
  try {
    uptimeSec = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    machineBusy = parseMachineBusy(fs.readFileSync('/proc/stat', 'utf8'));
    entries = fs.readdirSync('/proc');
  } catch {
    return { uptimeSec, procs, machineBusy };
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: ProcStat | null;
    let argv: string[];
    try {
      stat = parseProcStat(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'));
      argv = fs
        .readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((s) => s !== '');
    } catch {
      continue; // exited meanwhile
    }
    if (!stat) continue;
    const label = overrides.get(stat.pid) ?? labelOf(argv, stat.comm) ?? 'other';
    procs.set(stat.pid, { label, ticks: stat.ticks, startTicks: stat.startTicks, ppid: stat.ppid });
  }
  return { uptimeSec, procs, machineBusy };
}

/** Clock ticks per second (USER_HZ); 100 on Linux unless the kernel says otherwise. */
export const TICKS_PER_SECOND = 100;

/**
 * Percent of one core used per label between two snapshots, largest first, zeros dropped.
 * Counted per pid: a process in both snapshots counts its delta; one that started in between
 * counts all its ticks; one that exited in between counts for its parent once reaped (see
 * ProcStat.ticks), less what it had used before the phase. What the machine as a whole was busy beyond that (children not reaped yet,
 * orphans, hypervisor steal) is the label `unaccounted`.
 */
export function cpuShares(
  before: CpuSnapshot,
  after: CpuSnapshot,
  elapsedSec: number,
  hz = TICKS_PER_SECOND,
): Array<{ label: string; percent: number }> {
  if (elapsedSec <= 0) return [];
  const byLabel = new Map<string, number>();
  const startedAfter = before.uptimeSec * hz;
  for (const [pid, now] of after.procs) {
    const then = before.procs.get(pid);
    let delta: number;
    if (then && then.startTicks === now.startTicks) delta = now.ticks - then.ticks;
    else if (now.startTicks >= startedAfter) delta = now.ticks;
    else continue; // missed by the first snapshot: its past cannot be told from this phase
    byLabel.set(now.label, (byLabel.get(now.label) ?? 0) + delta);
  }
  // A child that was running at the first snapshot and was reaped since moved its whole CPU time
  // into its parent's children counters: take back the part spent before the phase.
  for (const [pid, then] of before.procs) {
    if (after.procs.has(pid)) continue;
    const parent = after.procs.get(then.ppid);
    if (parent) byLabel.set(parent.label, (byLabel.get(parent.label) ?? 0) - then.ticks);
  }
  for (const [label, ticks] of byLabel) if (ticks <= 0) byLabel.delete(label);
  if (before.machineBusy !== null && after.machineBusy !== null) {
    const seen = [...byLabel.values()].reduce((a, b) => a + b, 0);
    const rest = after.machineBusy - before.machineBusy - seen;
    if (rest > 0) byLabel.set('unaccounted', rest);
  }
  return [...byLabel]
    .map(([label, ticks]) => ({ label, percent: (100 * ticks) / hz / elapsedSec }))
    .sort((a, b) => b.percent - a.percent);
}

/** "gateway 95%, order-service 60%, redis 20%, ..." (entries under `minPercent` dropped). */
export function formatCpuShares(
  shares: ReadonlyArray<{ label: string; percent: number }>,
  minPercent = 2,
): string {
  const shown = shares.filter((s) => s.percent >= minPercent);
  if (shown.length === 0) return '-';
  return shown.map((s) => `${s.label} ${s.percent.toFixed(0)}%`).join(', ');
}

/** Processes that are not the system under test: the driver, and whoever else uses the machine. */
export const NOT_UNDER_TEST = [
  'load driver',
  'load generator',
  'other',
  'gateway',
  'unaccounted',
] as const;

/**
 * CPU time (µs) the machine spent per answered request, in every process but the load driver and
 * those not under test (the shop's own gateway on :3000 serves nobody in a bench run), less what
 * each process used at rest (`idle`, the same shares measured with no load).
 */
export function cpuPerRequestUs(
  shares: ReadonlyArray<{ label: string; percent: number }>,
  rps: number,
  idle: ReadonlyArray<{ label: string; percent: number }> = [],
  exclude: readonly string[] = NOT_UNDER_TEST,
): number {
  if (!(rps > 0)) return Number.NaN;
  const rest = new Map(idle.map((s) => [s.label, s.percent]));
  const cores = shares
    .filter((s) => !exclude.includes(s.label))
    .reduce((a, s) => a + Math.max(0, s.percent - (rest.get(s.label) ?? 0)) / 100, 0);
  return (cores / rps) * 1e6;
}

/**
 * CPU used during a run by processes outside the bench (beyond what they used at rest), when it
 * exceeds `thresholdPercent` of one core: "other 83%". Null when the run had the machine.
 */
export function disturbance(
  shares: ReadonlyArray<{ label: string; percent: number }>,
  idle: ReadonlyArray<{ label: string; percent: number }> = [],
  thresholdPercent = 10,
  // A vegeta of load-tests was "other" before it had a label: it still disturbs a bench.
  outsiders: readonly string[] = ['other', 'load generator', 'gateway', 'unaccounted'],
): string | null {
  const rest = new Map(idle.map((s) => [s.label, s.percent]));
  const extra = shares
    .filter((s) => outsiders.includes(s.label))
    .map((s) => ({ label: s.label, percent: s.percent - (rest.get(s.label) ?? 0) }))
    .filter((s) => s.percent > 0);
  const total = extra.reduce((a, s) => a + s.percent, 0);
  if (total <= thresholdPercent) return null;
  return extra.map((s) => `${s.label} ${s.percent.toFixed(0)}%`).join(', ');
}
