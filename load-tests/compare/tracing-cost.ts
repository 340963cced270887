/**
 * `npm run bench -- tracing`: what OpenTelemetry costs the shop. The same steady open-model
 * crowd runs twice against the running shop, its six services restarted in between: first with
 * the SDK off (`OTEL_SDK_DISABLED=true`), then exporting every span to Jaeger (started, built
 * once with Go, if it does not run). Each run reports CPU µs per answer (the hot path: gateway
 * and order-service; the saga's four consumers) and the latency of the 202s; the figure is the
 * difference, in the same run on the same machine. The services are left running untraced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  LOCAL_JWT_SECRET,
  SERVICE_NAMES,
  infraLayout,
  localKafkaAdmin,
  nestedIo,
  readyJaeger,
  rehearsalLine,
  rehearseSale,
  restart,
  startJaeger,
  waitSagaIdle,
} from '../engine/infra';
import type { CommonOptions } from '../engine/options';
import { gitCommit, runScenario } from '../engine/run';
import steady from '../scenarios/steady';
import { answerFigures } from './figures';

export interface TracingCostOptions {
  readonly common: CommonOptions;
  readonly rate: number;
  readonly duration: number;
  readonly users: number;
  /** Pairs of runs, off then on. */
  readonly rounds: number;
}

export function modeOrder(rounds: number): ('off' | 'on')[] {
  return Array.from({ length: rounds }, () => ['off', 'on'] as const).flat();
}

/** One run: CPU per answer by part of the shop, and the 202s' latency. */
export interface TracingRun {
  readonly tracing: 'off' | 'on';
  readonly hotPathUs: number | null;
  readonly sagaUs: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly answers: number;
  /** The run's business checks and the verifier passed (its latency is the measurement). */
  readonly ok: boolean;
  readonly dir: string;
}

export interface TracingCostReport {
  readonly commit: string;
  readonly rate: number;
  readonly duration: number;
  readonly runs: readonly TracingRun[];
}

/** The stage's CPU µs per answer, as the load engine wrote it into summary.json. */
interface StageSummary {
  readonly cpu?: { readonly usPerRequest?: { readonly hotPath?: number; readonly saga?: number } };
}

const TIMEOUT_MS = 180_000;

type Log = (line: string) => void;

/**
 * The shop's own rehearsal (ADR 0011) after each restart, then until the saga is idle: the two
 * runs compare warm code with warm code, not the first seconds of a cold process with tracing.
 */
async function warmUp(gatewayUrl: string, log: Log): Promise<void> {
  const result = await rehearseSale(gatewayUrl, LOCAL_JWT_SECRET);
  log(`warm-up: ${rehearsalLine(result)}; waiting for its saga`);
  const admin = localKafkaAdmin('bench-tracing-warm-up');
  await admin.connect();
  try {
    await waitSagaIdle(admin, 60, log);
  } finally {
    await admin.disconnect();
  }
}

export async function runTracingCost(
  o: TracingCostOptions,
  log: Log,
  stopping: AbortSignal,
): Promise<TracingCostReport> {
  const commit = gitCommit();
  const io = nestedIo(log, '[shop] ');
  // Jaeger must take the spans, or the "on" run measures an exporter that cannot connect.
  await readyJaeger(await startJaeger(infraLayout(), log), log);
  const runs: TracingRun[] = [];
  try {
    // Off and on alternate, round after round: what drifts over a run (the JIT, the broker's
    // log, the other core's work) then falls on both sides.
    for (const tracing of modeOrder(o.rounds)) {
      if (stopping.aborted) break;
      log('');
      log(
        `=== tracing ${tracing}: restarting the six services, then ${o.rate} req/s for ${o.duration} s`,
      );
      // The runner gives Jaeger's endpoint to services it starts while Jaeger runs; the SDK's
      // own switch turns it off without changing anything else.
      if (tracing === 'off') process.env.OTEL_SDK_DISABLED = 'true';
      else delete process.env.OTEL_SDK_DISABLED;
      await restart(SERVICE_NAMES, TIMEOUT_MS, io);
      await warmUp(o.common.url, log);
      const report = await runScenario(
        steady,
        {
          ...o.common,
          rate: o.rate,
          duration: o.duration,
          users: o.users,
          stock: 1_000_000,
          perUserLimit: 100,
          noCeiling: true,
        },
        log,
      );
      const summary = fs.readFileSync(path.join(report.dir, 'summary.json'), 'utf8');
      const parsed = JSON.parse(summary) as {
        stages: StageSummary[];
        checks: { readonly ok: boolean }[];
      };
      const stage = parsed.stages[0];
      const figures = answerFigures(report.shopAnswers);
      runs.push({
        tracing,
        hotPathUs: stage?.cpu?.usPerRequest?.hotPath ?? null,
        sagaUs: stage?.cpu?.usPerRequest?.saga ?? null,
        p50Ms: figures.p50Ms,
        p99Ms: figures.p99Ms,
        answers: report.shopAnswers.length,
        // The business checks and the verifier: the latency thresholds are what is measured.
        ok: parsed.checks.length > 0 && parsed.checks.every((c) => c.ok),
        dir: report.dir,
      });
    }
  } finally {
    // Leave the shop as an ordinary start leaves it: untraced.
    process.env.OTEL_SDK_DISABLED = 'true';
    await restart(SERVICE_NAMES, TIMEOUT_MS, io);
    delete process.env.OTEL_SDK_DISABLED;
  }
  return { commit, rate: o.rate, duration: o.duration, runs };
}

/** The report as lines: each run, then the difference tracing makes. */
export function formatTracingCost(report: TracingCostReport): string[] {
  const num = (n: number | null, digits = 0) => (n === null ? '-' : n.toFixed(digits));
  const lines = [
    `tracing cost, commit ${report.commit}: ${report.rate} req/s for ${report.duration} s, each way`,
    '',
    'tracing  hot path µs/answer  saga µs/answer  202 p50 ms  202 p99 ms  answers  checks',
    ...report.runs.map(
      (r) =>
        `${r.tracing.padEnd(7)}  ${num(r.hotPathUs).padStart(18)}  ${num(r.sagaUs).padStart(14)}  ` +
        `${num(r.p50Ms, 1).padStart(10)}  ${num(r.p99Ms, 1).padStart(10)}  ${String(r.answers).padStart(7)}  ${r.ok ? 'passed' : 'FAILED'}`,
    ),
  ];
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)];
  };
  const side = (mode: 'off' | 'on'): TracingRun | undefined => {
    const runs = report.runs.filter((r) => r.tracing === mode);
    if (runs.length === 0) return undefined;
    const pick = (f: (r: TracingRun) => number | null) =>
      median(runs.map(f).filter((v): v is number => v !== null));
    return {
      ...runs[0],
      hotPathUs: pick((r) => r.hotPathUs),
      sagaUs: pick((r) => r.sagaUs),
      p50Ms: pick((r) => r.p50Ms),
      p99Ms: pick((r) => r.p99Ms),
    };
  };
  const [off, on] = [side('off'), side('on')];
  const delta = tracingDelta(off, on);
  if (delta) {
    lines.push(
      '',
      `${report.runs.length > 2 ? 'medians: ' : ''}tracing on costs the hot path ${delta.hotPathUs.toFixed(0)} µs of CPU per answer ` +
        `(${delta.hotPathPercent >= 0 ? '+' : ''}${delta.hotPathPercent.toFixed(0)} %), ` +
        `the saga ${delta.sagaUs.toFixed(0)} µs; the 202's p99 ${num(off?.p99Ms ?? null, 1)} → ${num(on?.p99Ms ?? null, 1)} ms`,
    );
  }
  return lines;
}

/** On minus off, per answer; null unless both runs measured the CPU. Pure. */
export function tracingDelta(
  off: TracingRun | undefined,
  on: TracingRun | undefined,
): { hotPathUs: number; hotPathPercent: number; sagaUs: number } | null {
  if (!off || !on || off.hotPathUs === null || on.hotPathUs === null) return null;
  if (off.sagaUs === null || on.sagaUs === null || off.hotPathUs === 0) return null;
  return {
    hotPathUs: on.hotPathUs - off.hotPathUs,
    hotPathPercent: ((on.hotPathUs - off.hotPathUs) / off.hotPathUs) * 100,
    sagaUs: on.sagaUs - off.sagaUs,
  };
}
