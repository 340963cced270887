/**
 * Process plumbing for the local infrastructure runner: one-shot commands with captured output,
 * detached long-running servers that outlive the Node process, pid files, liveness checks by pid
 * (never by process name), graceful stop with a SIGKILL fallback, and a TCP port probe.
 * Stays, not execa: ESM-only (16 packages for jest.preset.js); its timeout waits for grandchildren.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { type Log, formatElapsed, sleep, withHeartbeat } from './progress';

// ---------------------------------------------------------------------------------------------
// One-shot commands
// ---------------------------------------------------------------------------------------------

export interface RunOptions {
  readonly log: Log;
  /** Shown in heartbeats and errors; defaults to the command line. */
  readonly label?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Output is also appended here (useful for long installs). */
  readonly logFile?: string;
  readonly timeoutMs?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Treat these exit codes as success too. */
  readonly okExitCodes?: readonly number[];
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: RunResult | undefined,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export function tailLines(text: string, n: number): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n).join('\n');
}

/** Runs a command to completion; rejects with its output tail on a non-zero exit or timeout. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  opts: RunOptions,
): Promise<RunResult> {
  const label = opts.label ?? [cmd, ...args].join(' ');
  opts.log(`  $ ${label}`);
  const work = new Promise<RunResult>((resolve, reject) => {
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    };
    if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
    if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
    const child = spawn(cmd, [...args], spawnOpts);
    const logStream = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    logStream?.write(`\n$ ${[cmd, ...args].join(' ')}\n`);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      logStream?.write(d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      logStream?.write(d);
    });
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new CommandError(`${label}: timed out after ${formatElapsed(opts.timeoutMs ?? 0)}`, {
            code: -1,
            stdout,
            stderr,
          }),
        );
      }, opts.timeoutMs);
    }
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      logStream?.end();
      reject(new CommandError(`${label}: could not start "${cmd}": ${err.message}`, undefined));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: RunResult = { code: code ?? -1, stdout, stderr };
      const settle = (): void => {
        if (code === 0 || (code !== null && opts.okExitCodes?.includes(code))) {
          resolve(result);
          return;
        }
        const tail = tailLines(`${stdout}\n${stderr}`, 25);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const where = opts.logFile ? ` (full output: ${opts.logFile})` : '';
        reject(new CommandError(`${label} ${how}${where}${tail ? `:\n${tail}` : ''}`, result));
      };
      // Settle once the log file has everything, so callers can read it.
      if (logStream) logStream.end(settle);
      else settle();
    });
  });
  return withHeartbeat(opts.log, label, work);
}

/** Whether an executable is on PATH (or is an existing absolute path). */
export function which(cmd: string): string | null {
  if (cmd.includes('/')) return isExecutable(cmd) ? cmd : null;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Detached servers
// ---------------------------------------------------------------------------------------------

export interface DetachedOptions {
  readonly cwd: string;
  /** stdout and stderr go here (appended). */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Starts a server in its own session (it survives the Node process and a Ctrl-C in the terminal),
 * stdio to a log file, and returns its pid. Exits are not awaited: watch the pid.
 */
export function spawnDetached(
  cmd: string,
  args: readonly string[],
  opts: DetachedOptions,
): Promise<number> {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = fs.openSync(opts.logFile, 'a');
  if (opts.uid !== undefined) fs.fchownSync(fd, opts.uid, opts.gid ?? -1);
  fs.writeSync(fd, `\n==== ${new Date().toISOString()} starting: ${[cmd, ...args].join(' ')}\n`);
  return new Promise<number>((resolve, reject) => {
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    };
    if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
    if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
    const child = spawn(cmd, [...args], spawnOpts);
    child.once('error', (err) => {
      fs.closeSync(fd);
      reject(new Error(`could not start "${cmd}": ${err.message}`));
    });
    child.once('spawn', () => {
      fs.closeSync(fd);
      child.unref();
      if (child.pid === undefined) reject(new Error(`"${cmd}" started without a pid`));
      else resolve(child.pid);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Liveness by pid
// ---------------------------------------------------------------------------------------------

/** True when a process with this pid exists and is not a zombie. */
/**
 * Runs `pid` in the background of the CPU (nice 10): what serves only the saga (its consumers,
 * their PostgreSQL) yields to what answers buyers (gateway, order-service, Redis, Kafka) on a
 * saturated machine, so a spike becomes lag instead of slow answers (ADR 0006). Children forked
 * afterwards (PostgreSQL's backends) inherit it. Raising one's own child's niceness is always
 * allowed on Linux; if it fails anyway, the process runs at normal priority.
 */
export function lowerPriority(pid: number): void {
  try {
    os.setPriority(pid, BACKGROUND_NICENESS);
  } catch {
    // normal priority, see above
  }
}

const BACKGROUND_NICENESS = 10;

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** The process's argv as the kernel reports it, or null when it is gone. */
export function commandLine(pid: number): string[] | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s) => s !== '');
  } catch {
    return null;
  }
}

/** Whether `pid` is alive and still the process we recorded (its argv contains `marker`). */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  const argv = commandLine(pid);
  if (argv === null) return false;
  return argv.some((a) => a.includes(marker));
}

export interface StopOptions {
  readonly log: Log;
  readonly label: string;
  /** SIGTERM first, then SIGKILL after this long (default 30 s). */
  readonly timeoutMs?: number;
  readonly signal?: NodeJS.Signals;
}

/** Waits for pids to exit; returns those still alive after `timeoutMs`. */
export async function waitForExit(
  pids: readonly number[],
  timeoutMs: number,
  log: Log,
  label: string,
): Promise<number[]> {
  const started = Date.now();
  const poll = async (): Promise<number[]> => {
    for (;;) {
      const alive = pids.filter(isAlive);
      if (alive.length === 0 || Date.now() - started >= timeoutMs) return alive;
      await sleep(200);
    }
  };
  return withHeartbeat(log, `waiting for ${label} to exit`, poll(), () => {
    const alive = pids.filter(isAlive);
    return alive.length ? `still running: pid ${alive.join(', ')}` : undefined;
  });
}

/** SIGTERM (or `signal`) to every pid, wait, SIGKILL the stragglers. Returns true if all exited. */
export async function stopPids(pids: readonly number[], opts: StopOptions): Promise<boolean> {
  const live = pids.filter(isAlive);
  if (live.length === 0) return true;
  const signal = opts.signal ?? 'SIGTERM';
  for (const pid of live) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited in between
    }
  }
  opts.log(`  sent ${signal} to ${opts.label} (pid ${live.join(', ')})`);
  const remaining = await waitForExit(live, opts.timeoutMs ?? 30_000, opts.log, opts.label);
  if (remaining.length === 0) return true;
  opts.log(`  ${opts.label} did not exit in time: SIGKILL to pid ${remaining.join(', ')}`);
  for (const pid of remaining) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited in between
    }
  }
  const left = await waitForExit(remaining, 10_000, opts.log, opts.label);
  return left.length === 0;
}

// ---------------------------------------------------------------------------------------------
// Pid files
// ---------------------------------------------------------------------------------------------

export interface PidRecord {
  readonly component: string;
  readonly pid: number;
  readonly port: number;
  /** A string the process's argv must contain for the pid to still be ours (pid reuse guard). */
  readonly marker: string;
  readonly startedAt: string;
  readonly logFile?: string;
  /** Free-form extra facts (e.g. the Kafka profile). */
  readonly meta?: Readonly<Record<string, string>>;
}

export function serializePidRecord(rec: PidRecord): string {
  return `${JSON.stringify(rec, null, 2)}\n`;
}

/** Parses a pid file; null when it is not a valid record. */
export function parsePidRecord(text: string): PidRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (
    typeof r.component !== 'string' ||
    typeof r.marker !== 'string' ||
    typeof r.startedAt !== 'string'
  )
    return null;
  if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 0) return null;
  if (typeof r.port !== 'number' || !Number.isInteger(r.port)) return null;
  const meta: Record<string, string> = {};
  if (typeof r.meta === 'object' && r.meta !== null) {
    for (const [k, v] of Object.entries(r.meta as Record<string, unknown>))
      if (typeof v === 'string') meta[k] = v;
  }
  return {
    component: r.component,
    pid: r.pid,
    port: r.port,
    marker: r.marker,
    startedAt: r.startedAt,
    ...(typeof r.logFile === 'string' ? { logFile: r.logFile } : {}),
    ...(Object.keys(meta).length ? { meta } : {}),
  };
}

export function pidFilePath(pidDir: string, component: string): string {
  return path.join(pidDir, `${component}.pid`);
}

export function readPidFile(file: string): PidRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return parsePidRecord(text);
}

export function writePidFile(file: string, rec: PidRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, serializePidRecord(rec));
  fs.renameSync(tmp, file);
}

export function removePidFile(file: string): void {
  fs.rmSync(file, { force: true });
}

export type PidFileState =
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'stale'; readonly record: PidRecord }
  | { readonly kind: 'alive'; readonly record: PidRecord };

/** Classifies a pid file: absent, unreadable, pointing at a dead/foreign process, or ours and alive. */
export function inspectPidFile(
  file: string,
  isOurs: (pid: number, marker: string) => boolean = isOurProcess,
): PidFileState {
  if (!fs.existsSync(file)) return { kind: 'none' };
  const record = readPidFile(file);
  if (!record) return { kind: 'invalid' };
  return isOurs(record.pid, record.marker) ? { kind: 'alive', record } : { kind: 'stale', record };
}

/** Pid files in `pidDir` whose component starts with `prefix`. */
export function listPidFiles(pidDir: string, prefix: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(pidDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && n.endsWith('.pid'))
    .sort()
    .map((n) => path.join(pidDir, n));
}

// ---------------------------------------------------------------------------------------------
// Lock (one infraUp/infraDown at a time per data directory)
// ---------------------------------------------------------------------------------------------

/** Takes an exclusive lock file holding our pid; waits (with progress) while another live process holds it. */
export async function acquireLock(
  file: string,
  log: Log,
  timeoutMs = 15 * 60_000,
): Promise<() => void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const started = Date.now();
  const tryTake = (): boolean => {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(fs.readFileSync(file, 'utf8').trim());
    if (!isAlive(holder) || holder === process.pid) {
      fs.rmSync(file, { force: true });
      return false;
    }
    return false;
  };
  const holderOf = (): string => {
    try {
      return `held by pid ${fs.readFileSync(file, 'utf8').trim()}`;
    } catch {
      return 'released';
    }
  };
  const loop = async (): Promise<void> => {
    let announced = false;
    while (!tryTake()) {
      if (!announced && fs.existsSync(file)) {
        log(`another infra command is running (${holderOf()}); waiting for it to finish`);
        announced = true;
      }
      if (Date.now() - started > timeoutMs)
        throw new Error(`could not take the infra lock ${file} (${holderOf()})`);
      await sleep(250);
    }
  };
  await withHeartbeat(log, 'waiting for the infra lock', loop(), holderOf);
  return () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid))
        fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------------

/** Whether something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
