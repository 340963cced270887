/**
 * Runs a stage's segments with vegeta, each as its own process on a fixed timetable:
 *
 *   vegeta attack -format=json -targets=<file> … | vegeta encode --to json   → parsed here
 *
 * A segment starts at its time whether or not the previous one has its answers yet (the open
 * model), and each one waits for its own answers (or `-timeout`) before it exits. vegeta runs
 * with the hard limit of open files as its soft limit: a burst of N needs N sockets at once.
 * The processes are ours: they are stopped by pid, never by name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { OUTCOMES, OUTCOME_LABELS, type Outcome } from './outcomes';
import { type Answer, parseResultLine } from './results';
import { type Segment, attackFlags, targetCount } from './stages';

export interface AttackOptions {
  readonly vegeta: string;
  readonly series: string;
  readonly stage: string;
  readonly segments: readonly Segment[];
  /** The target lines of a segment: `count` new requests (the caller numbers them). */
  readonly targets: (segment: Segment, count: number) => string[];
  /** Where the target files go. */
  readonly dir: string;
  readonly timeoutSec: number;
  readonly log: (line: string) => void;
  /** One progress line a second (default on). */
  readonly progress?: boolean;
  readonly onAnswer?: (answer: Answer) => void;
  /** Called once the target files are written, as the timetable starts (a stage's CPU window). */
  readonly onStart?: () => void;
}

export interface SegmentRun {
  readonly label: string;
  /** How late the process was started against its timetable (ms). */
  readonly lateMs: number;
  readonly skipped: number;
}

export interface AttackResult {
  readonly answers: Answer[];
  readonly segments: readonly SegmentRun[];
  /** When the stage's timetable started (epoch ms). */
  readonly startedAtMs: number;
}

const running = new Set<ChildProcess>();

/** Stops every vegeta process still running (Ctrl-C): SIGINT makes vegeta stop and flush. */
export function stopAttacks(): void {
  for (const child of running)
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-');
}

function track(child: ChildProcess): Promise<number> {
  running.add(child);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      running.delete(child);
      reject(err);
    });
    child.once('close', (code) => {
      running.delete(child);
      resolve(code ?? -1);
    });
  });
}

async function runSegment(
  opts: AttackOptions,
  segment: Segment,
  targetsFile: string,
  onAnswer: (a: Answer) => void,
): Promise<number> {
  const args = [
    'attack',
    '-format=json',
    `-targets=${targetsFile}`,
    `-name=${segment.label}`,
    `-timeout=${opts.timeoutSec}s`,
    // Bodies are only read for the problem code and the order id.
    '-max-body=4096',
    ...attackFlags(segment),
  ];
  const attack = spawn(
    'bash',
    ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', opts.vegeta, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const encode = spawn(opts.vegeta, ['encode', '--to', 'json'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  attack.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  encode.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  if (attack.stdout && encode.stdin) attack.stdout.pipe(encode.stdin);
  let skipped = 0;
  const lines = readline.createInterface({ input: encode.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    const parsed = parseResultLine(line, opts.series, segment.stage);
    if (parsed.kind === 'answer') onAnswer(parsed.answer);
    else skipped++;
  });
  const allRead = new Promise<void>((resolve) => lines.once('close', resolve));
  const [attackCode, encodeCode] = await Promise.all([track(attack), track(encode), allRead]);
  if (attackCode !== 0 || encodeCode !== 0)
    throw new Error(
      `vegeta (${segment.label}) exited with ${attackCode}/${encodeCode}: ${stderr.trim().slice(-600)}`,
    );
  return skipped;
}

function sleepUntil(ms: number): Promise<void> {
  const wait = ms - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}

export async function attack(opts: AttackOptions): Promise<AttackResult> {
  fs.mkdirSync(opts.dir, { recursive: true });
  // Every target file is written before the timetable starts, so a start costs only a spawn.
  const files = opts.segments.map((segment, k) => {
    const file = path.join(opts.dir, `${slug(opts.series)}.${slug(opts.stage)}.${k}.jsonl`);
    fs.writeFileSync(file, `${opts.targets(segment, targetCount(segment)).join('\n')}\n`);
    return file;
  });

  const answers: Answer[] = [];
  const window = new Map<Outcome, number>();
  const totals = new Map<Outcome, number>();
  const onAnswer = (a: Answer): void => {
    answers.push(a);
    window.set(a.outcome, (window.get(a.outcome) ?? 0) + 1);
    totals.set(a.outcome, (totals.get(a.outcome) ?? 0) + 1);
    opts.onAnswer?.(a);
  };

  opts.onStart?.();
  const startedAtMs = Date.now() + 100;
  const ticker =
    opts.progress === false
      ? undefined
      : setInterval(() => {
          const inWindow = [...window.values()].reduce((n, v) => n + v, 0);
          window.clear();
          const parts = OUTCOMES.filter((o) => totals.has(o)).map(
            (o) => `${OUTCOME_LABELS[o]} ${(totals.get(o) ?? 0).toLocaleString('en-US')}`,
          );
          opts.log(
            `  [${opts.series === 'shop' ? '' : `${opts.series} `}${opts.stage} ${((Date.now() - startedAtMs) / 1000).toFixed(0)}s] ` +
              `${inWindow.toLocaleString('en-US')} answers/s; so far: ${parts.join(' · ') || 'none'}`,
          );
        }, 1000);

  const segments: SegmentRun[] = [];
  const runs: Promise<void>[] = [];
  try {
    for (let k = 0; k < opts.segments.length; k++) {
      const segment = opts.segments[k];
      const due = startedAtMs + segment.offsetSec * 1000;
      await sleepUntil(due);
      const lateMs = Date.now() - due;
      runs.push(
        runSegment(opts, segment, files[k], onAnswer).then((skipped) => {
          segments[k] = { label: segment.label, lateMs, skipped };
        }),
      );
    }
    await Promise.all(runs);
  } catch (err) {
    stopAttacks();
    await Promise.allSettled(runs);
    throw err;
  } finally {
    if (ticker) clearInterval(ticker);
  }
  return { answers, segments, startedAtMs };
}
