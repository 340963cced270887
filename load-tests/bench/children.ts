/**
 * The servers a benchmark starts for itself (the ceiling server, its own gateways): started as
 * child processes, waited for until they answer, and stopped by their pid (SIGTERM, then SIGKILL).
 * Nothing here looks a process up by name, and nothing touches a process it did not start.
 * Stays, not execa: it would pipe the servers' logs through this busy process and SIGTERM on exit.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, httpGet } from '../engine/infra';

export { sleep };

export interface Child {
  readonly label: string;
  readonly pid: number;
  readonly logFile: string;
  /** SIGTERM, wait up to `timeoutMs`, then SIGKILL. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

const started = new Set<Child>();

export interface StartOptions {
  readonly label: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly logFile: string;
  /** Polled until it answers `readyStatus` (default 200). */
  readonly readyUrl: string;
  readonly readyStatus?: number;
  readonly timeoutMs?: number;
}

export async function startChild(opts: StartOptions): Promise<Child> {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = fs.openSync(opts.logFile, 'a');
  fs.writeSync(fd, `\n==== ${new Date().toISOString()} ${[opts.cmd, ...opts.args].join(' ')}\n`);
  const proc = spawn(opts.cmd, [...opts.args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  const pid = await new Promise<number>((resolve, reject) => {
    proc.once('error', (err) =>
      reject(new Error(`${opts.label}: could not start: ${err.message}`)),
    );
    proc.once('spawn', () => {
      if (proc.pid === undefined) reject(new Error(`${opts.label}: started without a pid`));
      else resolve(proc.pid);
    });
  });
  let exitCode: number | null = null;
  let exited = false;
  proc.once('exit', (code) => {
    exited = true;
    exitCode = code;
  });

  const stop = async (timeoutMs = 15_000): Promise<void> => {
    started.delete(child);
    if (exited || !isAlive(pid)) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (!exited && isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (!exited && isAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      while (!exited && isAlive(pid)) await sleep(50);
    }
  };
  const child: Child = { label: opts.label, pid, logFile: opts.logFile, stop };
  started.add(child);

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      started.delete(child);
      throw new Error(
        `${opts.label} exited with code ${String(exitCode)} while starting; see ${opts.logFile}:\n` +
          tail(opts.logFile, 15),
      );
    }
    const answer = await httpGet(opts.readyUrl, 1_000);
    if (answer.status === (opts.readyStatus ?? 200)) return child;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${opts.label} did not become ready at ${opts.readyUrl} (last: ${answer.status ?? answer.error}); see ${opts.logFile}`,
      );
    }
    await sleep(200);
  }
}

/** Stops every child still running (on the way out, also after an error). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...started].map((c) => c.stop()));
}

/** Last resort on process exit: SIGKILL whatever is still ours. */
process.once('exit', () => {
  for (const c of started) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function tail(file: string, n: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}
