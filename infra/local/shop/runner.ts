/**
 * The six services as detached processes: start (stdout+stderr appended to .data/logs/<svc>.log,
 * pid in .data/pids/service-<svc>.pid), wait until /health/ready answers 200, stop (SIGTERM, then
 * SIGKILL after a grace period), kill. Every process is addressed by its recorded pid, never by name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BrokerCount, type InfraLayout } from '../infra-paths';
import { type Log, formatElapsed, sleep } from '../progress';
import { isAlive, lowerPriority, removePidFile, writePidFile } from '../process';
import { type InfraEndpoints, OPERATOR_SETTINGS, type ServiceSpec, serviceEnv } from '../services';
import { readiness } from './health';
import { renderLogLine } from './log-format';
import {
  inspectService,
  serviceEntry,
  serviceLogFile,
  servicePidFile,
  serviceRecord,
} from './pid-files';
import { lastLines } from './tail';

/** A config error (EX_CONFIG): the service printed one line saying which variable is wrong. */
export const EXIT_BAD_CONFIG = 78;

export const STOP_GRACE_MS = 20_000;

/** A service process being waited on: one we just started (its exit is observable) or one we found running. */
export interface ServiceProcess {
  readonly spec: ServiceSpec;
  readonly pid: number;
  readonly reused: boolean;
  /** The exit of a process this CLI started, once it happened; null while it runs or when unknown. */
  exitInfo(): { code: number | null; signal: NodeJS.Signals | null } | null;
}

export class ShopError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShopError';
  }
}

/** The environment a service process gets: ours without npm's noise, plus the service's own. */
export function childEnv(base: NodeJS.ProcessEnv, own: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !k.startsWith('npm_')) env[k] = v;
  }
  const operators: NodeJS.ProcessEnv = {};
  for (const k of OPERATOR_SETTINGS) if (base[k] !== undefined) operators[k] = base[k];
  return { ...env, ...own, ...operators };
}

export function relativeToRoot(layout: Pick<InfraLayout, 'root'>, file: string): string {
  return path.relative(layout.root, file) || file;
}

/** Starts one service detached; it outlives this CLI and a Ctrl-C in its terminal. */
export function startService(
  layout: InfraLayout,
  spec: ServiceSpec,
  endpoints: InfraEndpoints,
  brokers: BrokerCount,
): Promise<ServiceProcess> {
  const entry = serviceEntry(layout, spec);
  if (!fs.existsSync(entry)) {
    return Promise.reject(
      new ShopError(
        `${spec.name}: ${relativeToRoot(layout, entry)} is missing; run "npm run compile"`,
      ),
    );
  }
  const logFile = serviceLogFile(layout, spec.name);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  const args = ['--enable-source-maps', entry];
  fs.writeSync(
    fd,
    `==== ${new Date().toISOString()} shop: starting ${spec.name} on port ${spec.port}: node ${args.join(' ')}\n`,
  );
  return new Promise<ServiceProcess>((resolve, reject) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const child: ChildProcess = spawn(process.execPath, args, {
      cwd: layout.root,
      env: childEnv(process.env, serviceEnv(spec, endpoints)),
      // Own session: not in the terminal's process group, so Ctrl-C reaches only this CLI.
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.once('error', (err) => {
      fs.closeSync(fd);
      reject(new ShopError(`${spec.name}: could not start node: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
    });
    child.once('spawn', () => {
      fs.closeSync(fd);
      child.unref();
      const pid = child.pid;
      if (pid === undefined) {
        reject(new ShopError(`${spec.name}: started without a pid`));
        return;
      }
      if (spec.priority === 'background') lowerPriority(pid);
      writePidFile(servicePidFile(layout, spec.name), serviceRecord(layout, spec, pid, brokers));
      resolve({ spec, pid, reused: false, exitInfo: () => exit });
    });
  });
}

/** How a process ended, in words: "exited with code 78 (bad configuration)". */
export function describeExit(
  exit: { code: number | null; signal: NodeJS.Signals | null } | null,
): string {
  if (!exit) return 'exited';
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code === EXIT_BAD_CONFIG)
    return `exited with code ${EXIT_BAD_CONFIG} (bad configuration)`;
  return `exited with code ${exit.code ?? '?'}`;
}

/** The last lines of a service's log, rendered, indented: the "where to look" of an error. */
export function logExcerpt(layout: InfraLayout, name: string, lines = 15): string {
  const file = serviceLogFile(layout, name);
  const tail = lastLines(file, lines);
  if (tail.length === 0) return `  (${relativeToRoot(layout, file)} is empty)`;
  return tail.map((l) => `  ${renderLogLine(name, l)}`).join('\n');
}

export interface WaitReadyOptions {
  readonly timeoutMs: number;
  readonly log: Log;
  /** Progress line every this long (default 2 s). */
  readonly progressEveryMs?: number;
}

/**
 * Polls each service's /health/ready until all answer 200. Fails as soon as one of them exits
 * (with the last lines of its log), or on timeout (with each pending one's last readiness answer).
 * Returns how long each took, in ms from the call.
 */
export async function waitUntilReady(
  layout: InfraLayout,
  procs: readonly ServiceProcess[],
  opts: WaitReadyOptions,
): Promise<Map<string, number>> {
  const started = Date.now();
  const readyAt = new Map<string, number>();
  const detail = new Map<string, string>();
  let pending = [...procs];
  let lastProgress = started;
  const every = opts.progressEveryMs ?? 2_000;

  while (pending.length > 0) {
    const results = await Promise.all(
      pending.map(async (p) => {
        const dead = p.exitInfo() !== null || !isAlive(p.pid);
        if (dead) return { p, dead: true, ready: false, detail: '' };
        const r = await readiness(p.spec.port);
        return { p, dead: false, ...r };
      }),
    );
    const died = results.filter((r) => r.dead);
    if (died.length) {
      const parts = died.map((r) => {
        const log = relativeToRoot(layout, serviceLogFile(layout, r.p.spec.name));
        return `${r.p.spec.name} (pid ${r.p.pid}) ${describeExit(r.p.exitInfo())} during start-up; last lines of ${log}:\n${logExcerpt(layout, r.p.spec.name)}`;
      });
      throw new ShopError(parts.join('\n'));
    }
    const now = Date.now();
    for (const r of results) {
      if (r.ready) {
        readyAt.set(r.p.spec.name, now - started);
        // A reused service that was ready all along needs no line of its own.
        if (!r.p.reused || now - started > 1_000) {
          opts.log(
            `  ${r.p.spec.name} ready after ${formatElapsed(now - started)} (pid ${r.p.pid})`,
          );
        }
      } else {
        detail.set(r.p.spec.name, r.detail);
      }
    }
    pending = pending.filter((p) => !readyAt.has(p.spec.name));
    if (pending.length === 0) break;
    if (now - started >= opts.timeoutMs) {
      const lines = pending.map(
        (p) =>
          `  ${p.spec.name}: ${detail.get(p.spec.name) ?? 'no answer'} (log: ${relativeToRoot(layout, serviceLogFile(layout, p.spec.name))})`,
      );
      throw new ShopError(
        `not ready after ${formatElapsed(now - started)}: ${pending.map((p) => p.spec.name).join(', ')} ` +
          `(still running; "npm run shop -- status" shows ${pending.length > 1 ? 'them' : 'it'})\n${lines.join('\n')}`,
      );
    }
    if (now - lastProgress >= every) {
      lastProgress = now;
      const list = pending
        .map((p) => `${p.spec.name} (${detail.get(p.spec.name) ?? 'starting'})`)
        .join(', ');
      opts.log(
        `  ... ${formatElapsed(now - started)}: ${readyAt.size}/${procs.length} ready; waiting for ${list}`,
      );
    }
    await sleep(500);
  }
  return readyAt;
}

/**
 * SIGTERM to every running service, then SIGKILL to those still alive after `graceMs`; progress
 * names who is still draining. Pid files are removed once their process is gone.
 */
export async function stopServices(
  layout: InfraLayout,
  specs: readonly ServiceSpec[],
  log: Log,
  graceMs = STOP_GRACE_MS,
): Promise<{ stopped: string[]; killed: string[] }> {
  const running: Array<{ name: string; pid: number }> = [];
  for (const spec of specs) {
    const st = inspectService(layout, spec.name);
    if (st.kind === 'alive') running.push({ name: spec.name, pid: st.record.pid });
    else if (st.kind !== 'none') removePidFile(servicePidFile(layout, spec.name)); // stale: nothing to stop
  }
  if (running.length === 0) {
    log('  no service is running');
    return { stopped: [], killed: [] };
  }
  for (const r of running) signal(r.pid, 'SIGTERM');
  log(
    `  sent SIGTERM to ${running.map((r) => `${r.name} (pid ${r.pid})`).join(', ')}; ` +
      `waiting up to ${formatElapsed(graceMs)} for ${running.length > 1 ? 'them' : 'it'} to drain`,
  );
  const started = Date.now();
  let lastProgress = started;
  let alive = running.filter((r) => isAlive(r.pid));
  while (alive.length > 0 && Date.now() - started < graceMs) {
    await sleep(200);
    alive = alive.filter((r) => isAlive(r.pid));
    if (alive.length && Date.now() - lastProgress >= 2_000) {
      lastProgress = Date.now();
      log(
        `  ... ${formatElapsed(Date.now() - started)}: still draining: ${alive.map((r) => r.name).join(', ')}`,
      );
    }
  }
  const killed = alive.map((r) => r.name);
  if (alive.length) {
    log(
      `  did not exit within ${formatElapsed(graceMs)}: SIGKILL to ${alive.map((r) => `${r.name} (pid ${r.pid})`).join(', ')}`,
    );
    for (const r of alive) signal(r.pid, 'SIGKILL');
    const deadline = Date.now() + 5_000;
    while (alive.some((r) => isAlive(r.pid)) && Date.now() < deadline) await sleep(100);
  }
  for (const r of running) if (!isAlive(r.pid)) removePidFile(servicePidFile(layout, r.name));
  return { stopped: running.map((r) => r.name).filter((n) => !killed.includes(n)), killed };
}

/** Sends a signal; a process that exited in between is not an error. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
