/**
 * How every HTTP run of the hot-path bench is measured: autocannon phases (driver.ts) with the CPU
 * of every process read from /proc around each (cpu.ts), turned into the report's figures; and
 * the ceilings of the tools (redis-benchmark, pgbench), watched for outside CPU the same way.
 */
import { SERVICE_NAMES } from '../../engine/infra';
import {
  cpuPerRequestUs,
  cpuShares,
  cpuSnapshot,
  disturbance,
  formatCpuShares,
  type CpuSnapshot,
} from '../cpu';
import { type Phase, type PhaseResult, type RequestSpec, drive } from '../driver';
import { counterDeltas, fetchMetrics } from '../prom';
import { type HttpFigure, zeroCounts } from '../report';
import { OUTCOMES, type Outcome } from '../stats';
import type { CpuShares, MeteredRun } from './context';

/** One measured phase: the driver's result and the CPU around it. */
export interface Measured {
  readonly result: PhaseResult;
  readonly cpu: string;
  readonly cpuUs: number;
  readonly disturbed: string | null;
}

/** The processes that must stay idle in a run (beyond their background) unless it is disturbed. */
const DEFAULT_OUTSIDERS = ['other', 'load generator', 'gateway', 'unaccounted'];

/**
 * Runs phases and measures each. `outsiders`: the process groups that should be idle during
 * these phases (beyond their background), so that their CPU marks a run as disturbed.
 */
export async function measure(
  run: MeteredRun,
  phases: Phase[],
  url: string,
  next: () => RequestSpec,
  outsiders: readonly string[] = DEFAULT_OUTSIDERS,
): Promise<Measured[]> {
  const out: Measured[] = [];
  let before: CpuSnapshot = cpuSnapshot(run.cpuLabels);
  let t0 = 0n;
  await drive({
    url,
    phases,
    nextRequest: next,
    progress: run.log,
    beforePhase: () => {
      before = cpuSnapshot(run.cpuLabels);
      t0 = process.hrtime.bigint();
    },
    afterPhase: (result) => {
      const after = cpuSnapshot(run.cpuLabels);
      const shares = cpuShares(before, after, Number(process.hrtime.bigint() - t0) / 1e9);
      const m = measuredPhase(result, shares, run.idleShares, outsiders);
      out.push(m);
      run.log(phaseLine(m));
    },
  });
  return out;
}

/** A phase's CPU column, its CPU per answered request (background subtracted), its disturbance. */
export function measuredPhase(
  result: PhaseResult,
  shares: CpuShares,
  idleShares: CpuShares,
  outsiders: readonly string[],
): Measured {
  const cpu = formatCpuShares(shares);
  const cpuUs = cpuPerRequestUs(shares, result.recorder.answered / result.elapsedSec, idleShares);
  const disturbed = disturbance(shares, idleShares, 10, outsiders);
  return { result, cpu, cpuUs, disturbed };
}

/** "  sold out: 8210 req/s, p50 7.50 ms, p99 12.00 ms; CPU: gateway 98%, ..." */
export function phaseLine(m: Measured): string {
  const r = m.result;
  const all = r.recorder.all;
  return (
    `  ${r.phase.name}: ${(r.recorder.answered / r.elapsedSec).toFixed(0)} req/s, ` +
    `p50 ${all.percentile(50).toFixed(2)} ms, p99 ${all.percentile(99).toFixed(2)} ms; CPU: ${m.cpu}`
  );
}

/**
 * Warm-up, then one measured phase at opts.connections. With `shedNotes`, also notes how many
 * answers the gateway gave itself (its shed counter), which tells that the run measured the
 * path it is named after.
 */
export async function flatOut(
  run: MeteredRun,
  name: string,
  url: string,
  next: () => RequestSpec,
  expected: Outcome,
  shedNotes?: string,
): Promise<HttpFigure> {
  const { opts } = run;
  await measure(
    run,
    [{ name: 'warm-up', connections: opts.connections, rate: 0, durationSec: opts.warmupSec }],
    url,
    next,
  );
  const metricsBefore = shedNotes ? await fetchMetrics(url) : null;
  // Nothing of the shop but the gateway under test works in these runs: the services' CPU
  // beyond their background is someone else's traffic.
  const [r] = await measure(
    run,
    [{ name, connections: opts.connections, rate: 0, durationSec: opts.stepSec }],
    url,
    next,
    ['other', 'load generator', 'unaccounted', ...SERVICE_NAMES],
  );
  const f = figure(r, expected);
  if (shedNotes) {
    const note = `${shedNotes}: ${shedNote(metricsBefore, await fetchMetrics(url), f)}`;
    run.log(`  ${note}`);
    run.notes.push(note);
  }
  return f;
}

/** The report's figure of a measured phase; `expected` is the outcome the run is meant to get. */
export function figure(m: Measured, expected: Outcome): HttpFigure {
  const r = m.result;
  const counts = zeroCounts();
  for (const o of OUTCOMES) counts[o] = r.recorder.count(o);
  const total = r.recorder.total;
  return {
    name: r.phase.name,
    connections: r.phase.connections,
    durationSec: r.elapsedSec,
    rps: r.recorder.answered / r.elapsedSec,
    p50Ms: r.recorder.all.percentile(50),
    p99Ms: r.recorder.all.percentile(99),
    counts,
    expected,
    expectedShare: total > 0 ? counts[expected] / total : 0,
    cpu: m.cpu,
    cpuUsPerRequest: m.cpuUs,
    disturbance: m.disturbed,
  };
}

/** "answered by the gateway itself (gateway_shed_requests_total): sold_out 123456 (99.9 % of the answers)" */
export function shedNote(before: string | null, after: string | null, f: HttpFigure): string {
  const deltas = counterDeltas(before, after, 'gateway_shed_requests_total', 'reason');
  if (after === null) return 'the gateway metrics could not be read';
  const answers = Object.values(f.counts).reduce((a, b) => a + b, 0);
  const parts = [...deltas].map(([reason, n]) => `${reason} ${n}`);
  const shed = [...deltas.values()].reduce((a, b) => a + b, 0);
  return (
    `answered by the gateway itself (gateway_shed_requests_total): ${parts.join(', ') || 'none'}` +
    ` = ${answers > 0 ? ((100 * shed) / answers).toFixed(1) : '0'} % of the ${answers} answers`
  );
}

/** Runs a ceiling measurement; notes it († ...) when outsiders used the CPU meanwhile. */
export async function watched<T>(
  run: MeteredRun,
  label: string,
  fn: () => Promise<T>,
): Promise<{ value: T; mark: string }> {
  const before = cpuSnapshot(run.cpuLabels);
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const disturbed = disturbance(
    cpuShares(before, cpuSnapshot(run.cpuLabels), elapsed),
    run.idleShares,
  );
  if (!disturbed) return { value, mark: '' };
  run.notes.push(
    `† ${label}: disturbed by processes outside the bench (${disturbed}); a lower bound`,
  );
  run.log(`  † disturbed: ${disturbed}`);
  return { value, mark: ' †' };
}

/**
 * The one request every HTTP run sends (the ceiling servers get it too): a purchase of one unit
 * by a random one of the users, each with a fresh Idempotency-Key `<keyPrefix>-<n>`.
 */
export function purchaseRequests(
  saleId: string,
  tokens: readonly string[],
  keyPrefix: string,
): () => RequestSpec {
  const p = `/api/sales/${encodeURIComponent(saleId)}/orders`;
  const auth = tokens.map((t) => `Bearer ${t}`);
  const body = JSON.stringify({ quantity: 1 });
  let seq = 0;
  return () => ({
    method: 'POST',
    path: p,
    headers: {
      authorization: auth[Math.floor(Math.random() * auth.length)],
      'content-type': 'application/json',
      'idempotency-key': `${keyPrefix}-${seq++}`,
    },
    body,
  });
}
