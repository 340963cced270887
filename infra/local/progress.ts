/**
 * Progress reporting for the local infrastructure runner: every step says what it does, and any
 * wait longer than a couple of seconds prints the elapsed time periodically (never a silent wait).
 * Library code reports only through a `Log` callback.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export type Log = (line: string) => void;

/** Default sink when the caller passes none: stderr, so stdout stays clean for tools' output. */
export const stderrLog: Log = (line) => {
  process.stderr.write(`[infra] ${line}\n`);
};

export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

export interface HeartbeatOptions {
  /** First elapsed-time line after this long (default 2 s). */
  readonly firstAfterMs?: number;
  /** Then one every this long (default 5 s). */
  readonly everyMs?: number;
}

/**
 * Runs `work` and, while it has not settled, logs `<label>: <elapsed> elapsed[ (detail)]`
 * after `firstAfterMs` and then every `everyMs`. `detail()` may describe the latest state.
 */
export async function withHeartbeat<T>(
  log: Log,
  label: string,
  work: Promise<T>,
  detail?: () => string | undefined,
  opts: HeartbeatOptions = {},
): Promise<T> {
  const started = Date.now();
  const firstAfterMs = opts.firstAfterMs ?? 2_000;
  const everyMs = opts.everyMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  const beat = (): void => {
    const extra = detail?.();
    log(
      `  ... ${label}: ${formatElapsed(Date.now() - started)} elapsed${extra ? ` (${extra})` : ''}`,
    );
    timer = setTimeout(beat, everyMs);
  };
  timer = setTimeout(beat, firstAfterMs);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
  }
}

export class WaitTimeoutError extends Error {
  constructor(
    readonly label: string,
    readonly timeoutMs: number,
    readonly lastDetail: string | undefined,
  ) {
    super(
      `timed out after ${formatElapsed(timeoutMs)} waiting for ${label}${lastDetail ? ` (last: ${lastDetail})` : ''}`,
    );
    this.name = 'WaitTimeoutError';
  }
}

export interface ProbeResult<T> {
  readonly ready: boolean;
  /** What the probe saw, shown in heartbeats and in the timeout error. */
  readonly detail?: string;
  readonly value?: T;
}

export interface WaitOptions extends HeartbeatOptions {
  readonly timeoutMs: number;
  /** Pause between probes (default 500 ms). */
  readonly intervalMs?: number;
  /** Checked before each probe; a string aborts the wait with that message (e.g. "process exited"). */
  readonly abortIf?: () => string | undefined;
}

/** Polls `probe` until it reports ready, with heartbeats; throws WaitTimeoutError on timeout. */
export async function waitUntil<T>(
  log: Log,
  label: string,
  probe: () => Promise<ProbeResult<T>>,
  opts: WaitOptions,
): Promise<T | undefined> {
  const started = Date.now();
  const intervalMs = opts.intervalMs ?? 500;
  let lastDetail: string | undefined;
  const loop = async (): Promise<T | undefined> => {
    for (;;) {
      const abort = opts.abortIf?.();
      if (abort) throw new Error(`${label}: ${abort}`);
      let result: ProbeResult<T>;
      try {
        result = await probe();
      } catch (err) {
        result = { ready: false, detail: err instanceof Error ? err.message : String(err) };
      }
      lastDetail = result.detail;
      if (result.ready) return result.value;
      if (Date.now() - started >= opts.timeoutMs)
        throw new WaitTimeoutError(label, opts.timeoutMs, lastDetail);
      await sleep(intervalMs);
    }
  };
  return withHeartbeat(log, `waiting for ${label}`, loop(), () => lastDetail, opts);
}

/** Logs `label ...`, runs `fn`, logs `label: done in <elapsed>` (or the failure) and rethrows. */
export async function step<T>(log: Log, label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log(`${label} ...`);
  try {
    const value = await fn();
    log(`${label}: done in ${formatElapsed(Date.now() - started)}`);
    return value;
  } catch (err) {
    log(`${label}: FAILED after ${formatElapsed(Date.now() - started)}`);
    throw err;
  }
}
