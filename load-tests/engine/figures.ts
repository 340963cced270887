/**
 * The figures of a stage: what was meant to arrive, what the generator sent, and per outcome
 * how many answers and their latency. Counting is ours (it needs each answer's problem code);
 * the latency percentiles, the send rate and the send span come from `vegeta report
 * -type=json` over the stage's answers (or a subset), so they are vegeta's own. Pure apart from
 * the `report` function passed in.
 */
import type { StageCpu } from './cpu';
import {
  OUTCOMES,
  OUTCOME_GROUPS,
  OUTCOME_LABELS,
  type Outcome,
  type OutcomeGroup,
  isTimeout,
  needsRetryAfter,
} from './outcomes';
import { type Answer, resultLine } from './results';
import type { Segment, Stage } from './stages';

/** ms */
export interface Latency {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface Counted {
  readonly count: number;
  readonly latency: Latency | null;
}

export interface StageFigures {
  readonly series: string;
  readonly stage: string;
  readonly kind: Stage['kind'];
  /** Requests the stage meant to send, and how many vegeta sent (= answers, errors included). */
  readonly intended: number;
  readonly sent: number;
  readonly sentShare: number;
  /** Planned length (0 for a burst) and the arrival rate it means (a burst: its size). */
  readonly plannedSec: number;
  readonly intendedRate: number;
  /** vegeta: requests ÷ (last send − first send), and that span. */
  readonly sentRate: number;
  readonly sendSpanSec: number;
  readonly outcomes: Readonly<Partial<Record<Outcome, Counted>>>;
  readonly groups: Readonly<Record<OutcomeGroup, Counted>>;
  /** 202 answers per second of the stage (a burst: per second from first send to last answer). */
  readonly goodput: number;
  /** 429 / 503 answers without a Retry-After header. */
  readonly missingRetryAfter: number;
  readonly timeouts: number;
  /** "other" answers and transport errors by what they were, e.g. "409 INSUFFICIENT_STOCK". */
  readonly details: Readonly<Record<string, number>>;
  /** CPU per process group over the stage, from /proc (cpu.ts; run.ts adds it). */
  readonly cpu?: StageCpu;
}

/** The parts of `vegeta report -type=json` used here (durations in ns). */
export interface VegetaReport {
  readonly latencies: {
    readonly mean: number;
    readonly '50th': number;
    readonly '90th': number;
    readonly '95th': number;
    readonly '99th': number;
    readonly max: number;
  };
  readonly duration: number;
  readonly wait: number;
  readonly requests: number;
  readonly rate: number;
  readonly status_codes: Readonly<Record<string, number>>;
}

export type Reporter = (lines: readonly string[]) => Promise<VegetaReport>;

export function latencyOf(report: VegetaReport): Latency {
  const ms = (ns: number): number => ns / 1e6;
  return {
    p50: ms(report.latencies['50th']),
    p90: ms(report.latencies['90th']),
    p95: ms(report.latencies['95th']),
    p99: ms(report.latencies['99th']),
    max: ms(report.latencies.max),
    mean: ms(report.latencies.mean),
  };
}

/** What an "other" answer or a transport error was, for the details line. */
export function detailOf(a: Answer): string | null {
  if (a.outcome === 'transport') return isTimeout(a.error) ? 'timeout' : shortError(a.error);
  if (a.outcome === 'other4xx' || a.outcome === 'other5xx' || a.outcome === 'ok')
    return `${a.status} ${a.problemCode ?? '-'}`;
  return null;
}

/** "Post \"http://…\": dial tcp 127.0.0.1:3000: connect: connection refused" → "connection refused". */
function shortError(error: string): string {
  const parts = error.split(': ');
  return parts[parts.length - 1] || error || 'no answer';
}

export async function stageFigures(
  series: string,
  stage: Stage,
  segments: readonly Segment[],
  answers: readonly Answer[],
  report: Reporter,
): Promise<StageFigures> {
  const intended = segments.reduce((n, s) => n + s.requests, 0);
  const plannedSec = segments.reduce((n, s) => Math.max(n, s.offsetSec + s.durationSec), 0);
  const byOutcome = new Map<Outcome, Answer[]>();
  const details: Record<string, number> = {};
  let missingRetryAfter = 0;
  let timeouts = 0;
  for (const a of answers) {
    const list = byOutcome.get(a.outcome);
    if (list) list.push(a);
    else byOutcome.set(a.outcome, [a]);
    if (needsRetryAfter(a.outcome) && !a.retryAfter) missingRetryAfter++;
    if (a.outcome === 'transport' && isTimeout(a.error)) timeouts++;
    const detail = detailOf(a);
    if (detail) details[detail] = (details[detail] ?? 0) + 1;
  }
  const counted = async (list: readonly Answer[]): Promise<Counted> => ({
    count: list.length,
    latency: list.length
      ? latencyOf(await report(list.map((a, i) => resultLine(a, 'x', i))))
      : null,
  });
  const outcomes: Partial<Record<Outcome, Counted>> = {};
  for (const o of OUTCOMES) {
    const list = byOutcome.get(o);
    if (list) outcomes[o] = await counted(list);
  }
  const groups = {} as Record<OutcomeGroup, Counted>;
  let whole: VegetaReport | null = null;
  for (const g of Object.keys(OUTCOME_GROUPS) as OutcomeGroup[]) {
    const members: readonly Outcome[] = OUTCOME_GROUPS[g];
    const list = g === 'all' ? answers : answers.filter((a) => members.includes(a.outcome));
    if (g === 'all' && list.length) {
      whole = await report(list.map((a, i) => resultLine(a, 'x', i)));
      groups[g] = { count: list.length, latency: latencyOf(whole) };
    } else groups[g] = await counted(list);
  }
  const sendSpanSec = whole ? whole.duration / 1e9 : 0;
  const accepted = outcomes.accepted?.count ?? 0;
  const goodputSec = plannedSec > 0 ? plannedSec : whole ? (whole.duration + whole.wait) / 1e9 : 0;
  return {
    series,
    stage: stage.name,
    kind: stage.kind,
    intended,
    sent: answers.length,
    sentShare: intended > 0 ? answers.length / intended : 0,
    plannedSec,
    intendedRate: plannedSec > 0 ? intended / plannedSec : intended,
    sentRate: whole?.rate ?? 0,
    sendSpanSec,
    outcomes,
    groups,
    goodput: goodputSec > 0 ? accepted / goodputSec : 0,
    missingRetryAfter,
    timeouts,
    details,
  };
}

export function outcomeLabel(o: Outcome | OutcomeGroup): string {
  return o in OUTCOME_LABELS ? OUTCOME_LABELS[o as Outcome] : o;
}
