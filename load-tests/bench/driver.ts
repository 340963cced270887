/**
 * The load driver: autocannon, driven programmatically, one autocannon run per phase.
 *
 * A phase is a number of keep-alive connections, an optional cap on the overall request rate and
 * a duration (k6: one stage of `ramping-arrival-rate`, `preAllocatedVUs` = connections; see
 * load-tests/README.md). Every request is built by the scenario (`nextRequest`, e.g. a random
 * user with its token) and timed by us with `process.hrtime.bigint()`: from the moment
 * autocannon asks for the request (just before it writes it) to the moment the whole response
 * has been parsed. Each answer is classified (stats.ts) and handed to the scenario's `onAnswer`
 * for its business checks.
 */
import autocannon from 'autocannon';
import { problemCodeOf } from '../engine/outcomes';
import { Recorder, classify, type Outcome } from './stats';

export interface Phase {
  readonly name: string;
  readonly connections: number;
  /** Overall request cap (req/s), or 0 for "as fast as the connections go". */
  readonly rate: number;
  readonly durationSec: number;
}

export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Anything the scenario wants back in `onAnswer` (e.g. the user id). */
  readonly tag?: unknown;
}

export interface Answer {
  readonly request: RequestSpec;
  readonly status: number;
  readonly body: string;
  readonly code: string | null;
  readonly outcome: Outcome;
  readonly latencyMs: number;
}

export interface PhaseResult {
  readonly phase: Phase;
  readonly recorder: Recorder;
  readonly elapsedSec: number;
  /** Requests autocannon wrote (answered, errored, or in flight when the phase ended). */
  readonly sent: number;
}

export interface DriveOptions {
  /** Base URL of the target, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly phases: readonly Phase[];
  readonly nextRequest: () => RequestSpec;
  readonly onAnswer?: (answer: Answer) => void;
  /** Called about once a second with a progress line. */
  readonly progress?: (line: string) => void;
  /** Per-request timeout, seconds (autocannon reconnects and counts an error). Default 10. */
  readonly timeoutSec?: number;
  /** Called once per phase, before it starts (e.g. to sample CPU counters). */
  readonly beforePhase?: (phase: Phase, index: number) => void;
  /** Called once per phase, after it ended. */
  readonly afterPhase?: (result: PhaseResult, index: number) => void;
}

interface Context {
  t0?: bigint;
  spec?: RequestSpec;
}

/** Runs the phases one after another; returns one result per phase. */
export async function drive(opts: DriveOptions): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  for (let i = 0; i < opts.phases.length; i++) {
    const phase = opts.phases[i];
    opts.beforePhase?.(phase, i);
    const result = await runPhase(opts, phase, i);
    results.push(result);
    opts.afterPhase?.(result, i);
  }
  return results;
}

function runPhase(opts: DriveOptions, phase: Phase, index: number): Promise<PhaseResult> {
  const recorder = new Recorder();
  const target = new URL(opts.url);
  let lastCount = 0;
  let lastTime = process.hrtime.bigint();
  const started = lastTime;

  const request: autocannon.Request = {
    method: 'GET',
    path: '/',
    setupRequest: (req: autocannon.Request, context: object): autocannon.Request => {
      const spec = opts.nextRequest();
      const ctx = context as Context;
      ctx.spec = spec;
      ctx.t0 = process.hrtime.bigint();
      // A fresh headers object per request: autocannon adds Content-Length to it.
      return {
        ...req,
        method: spec.method,
        path: spec.path,
        headers: { ...spec.headers },
        body: spec.body ?? '',
      };
    },
    onResponse: (status: number, body: string, context: object): void => {
      const now = process.hrtime.bigint();
      const ctx = context as Context;
      const latencyMs = ctx.t0 === undefined ? Number.NaN : Number(now - ctx.t0) / 1e6;
      const code = status >= 400 ? problemCodeOf(body) : null;
      const outcome = classify(status, code);
      recorder.record(outcome, latencyMs, status, code);
      if (opts.onAnswer && ctx.spec)
        opts.onAnswer({ request: ctx.spec, status, body, code, outcome, latencyMs });
    },
  };

  return new Promise<PhaseResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.origin,
        connections: phase.connections,
        ...(phase.rate > 0 ? { overallRate: phase.rate } : {}),
        duration: phase.durationSec,
        pipelining: 1,
        timeout: opts.timeoutSec ?? 10,
        requests: [request],
      },
      (err: Error | null, result: autocannon.Result) => {
        clearInterval(ticker);
        if (err) {
          reject(err);
          return;
        }
        const elapsedSec = Number(process.hrtime.bigint() - started) / 1e9;
        resolve({ phase, recorder, elapsedSec, sent: result.requests.sent });
      },
    );
    instance.on('reqError', (error: Error & { code?: string }) => {
      recorder.recordError(error.code ?? error.message);
    });
    const ticker = setInterval(() => {
      if (!opts.progress) return;
      const now = process.hrtime.bigint();
      const count = recorder.answered;
      const rate = (count - lastCount) / (Number(now - lastTime) / 1e9);
      lastCount = count;
      lastTime = now;
      opts.progress(progressLine(phase, index, Number(now - started) / 1e9, rate, recorder));
    }, 1000);
  });
}

export function progressLine(
  phase: Phase,
  index: number,
  elapsedSec: number,
  rate: number,
  rec: Recorder,
): string {
  const counts = [
    `202 ${rec.count('accepted')}`,
    rec.count('ok') ? `2xx ${rec.count('ok')}` : '',
    `soldout ${rec.count('soldOut')}`,
    `limit ${rec.count('limitReached')}`,
    `429 ${rec.count('rateLimited')}`,
    `4xx ${rec.count('otherClientError')}`,
    `5xx ${rec.count('serverError')}`,
    `err ${rec.count('error')}`,
  ].filter(Boolean);
  const cap = phase.rate > 0 ? `≤${phase.rate}/s` : 'open';
  return (
    `  [${phase.name} #${index + 1} c=${phase.connections} ${cap} ` +
    `${elapsedSec.toFixed(0).padStart(3)}s/${phase.durationSec}s] ` +
    `${rate.toFixed(0).padStart(6)} req/s  ${counts.join('  ')}`
  );
}
