/**
 * What a demo is (load-tests/demos/*.ts): one of the seed's seven, run on the live shop with
 * the real load engine and chaos experiments, and judged by checks of its own. cli.ts prints the
 * title, the seed's section and what to watch before, and the verdict after; a demo prints its
 * story in between. Pure, but for the types.
 */
import type { DemoEntry, DemoName } from '../engine/infra';

export type Log = (line: string) => void;

export interface DemoContext {
  /** The gateway. */
  readonly url: string;
  /** The demo's own lines: the story a watcher follows, at the left margin. */
  readonly log: Log;
  /** What the engine, a chaos experiment or the comparison prints, indented under the story. */
  readonly detail: Log;
  /** Aborted on Ctrl-C (SIGINT): stop waiting, undo what was changed, return. */
  readonly stopping: AbortSignal;
}

/** One thing the demo set out to show, and whether the run showed it. */
export interface DemoCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface Demo {
  readonly name: DemoName;
  /** Runs on the live shop; resolves to its checks (the verifier's verdict among them). */
  run(ctx: DemoContext): Promise<readonly DemoCheck[]>;
}

export function defineDemo(demo: Demo): Demo {
  return demo;
}

export const check = (name: string, ok: boolean, detail: string): DemoCheck => ({
  name,
  ok,
  detail,
});

/** The lines a demo starts with: its title, the seed's section, and what to watch. */
export function headerLines(entry: DemoEntry): string[] {
  return [
    `demo ${entry.name}: ${entry.title}`,
    `seed: <${entry.seedDemo}Demo /> in ${entry.seedSection}`,
    ...wrap(`watch: ${entry.watch}`, 100, '', '       '),
  ];
}

/** A demo passes when it checked something and every check held. */
export function passed(checks: readonly DemoCheck[]): boolean {
  return checks.length > 0 && checks.every((c) => c.ok);
}

/** The verdict: one line per check, then one that says pass or fail. */
export function verdictLines(
  name: string,
  checks: readonly DemoCheck[],
  seconds: number,
): string[] {
  const lines = checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
  if (checks.length === 0) lines.push('  FAIL  the demo stopped before it could check anything');
  lines.push(`demo ${name}: ${passed(checks) ? 'PASSED' : 'FAILED'} in ${seconds.toFixed(1)} s`);
  return lines;
}

/** Greedy word wrap at `width` (prefixes included): the first line behind `first`, the rest `rest`. */
export function wrap(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = '';
  const prefix = () => (lines.length === 0 ? first : rest);
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line !== '' && prefix().length + line.length + 1 + word.length > width) {
      lines.push(`${prefix()}${line}`);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(`${prefix()}${line}`);
  return lines;
}

/** Whole seconds since `startMs`, as the demos' progress lines print them. */
export const since = (startMs: number, nowMs: number): string =>
  `${((nowMs - startMs) / 1000).toFixed(0).padStart(3)} s`;

/** Waits `ms`, or less if `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export { errorText } from '../engine/infra';
