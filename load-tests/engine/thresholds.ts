/**
 * Thresholds: limits on a run's figures that fail it (exit 1), like the business checks. Pure.
 *
 *   { metric: 'count', outcome: 'errors', max: 0 }             no 5xx (but OVERLOADED), no lost answer
 *   { metric: 'p99', outcome: 'soldOut', stage: 'ramp', max: 50 }   ms
 *   { metric: 'missingRetryAfter', max: 0 }                     every 429/503 says when to retry
 *   { metric: 'ambiguous', max: 0 }                             nobody told "failed" who bought
 *
 * Counts add up over the stages a threshold names (all fixed stages when it names none);
 * latency percentiles hold for each of those stages on its own (percentiles do not add up), and
 * a stage without such answers has nothing to judge.
 */
import { type Counted, type StageFigures, outcomeLabel } from './figures';
import { OUTCOME_GROUPS, type Outcome, type OutcomeGroup } from './outcomes';
import { type Amount, type Found, amount } from './stages';

export type LatencyMetric = 'p50' | 'p90' | 'p95' | 'p99' | 'max';
export type ThresholdMetric =
  'count' | 'share' | LatencyMetric | 'goodput' | 'missingRetryAfter' | 'timeouts' | 'ambiguous';

export interface Threshold {
  readonly metric: ThresholdMetric;
  /** An outcome or a group of them (default: every answer). */
  readonly outcome?: Outcome | OutcomeGroup;
  /** One stage (default: every stage that is not a search). */
  readonly stage?: string;
  /** A number, or one from what the searches found (e.g. half the measured capacity). */
  readonly max?: Amount;
  readonly min?: Amount;
}

/** A threshold with its bounds worked out. */
interface Bounds {
  readonly max: number | undefined;
  readonly min: number | undefined;
}

export interface ThresholdResult {
  readonly threshold: Threshold;
  readonly name: string;
  readonly ok: boolean;
  /** The value judged (the worst stage's, for latencies), or null when there was nothing. */
  readonly value: number | null;
  readonly detail: string;
}

export interface RunValues {
  readonly ambiguous: number;
}

const LATENCY: readonly string[] = ['p50', 'p90', 'p95', 'p99', 'max'];

export function thresholdName(t: Threshold, found: Found = {}): string {
  const b = boundsOf(t, found);
  const what =
    t.metric === 'ambiguous'
      ? 'ambiguous answers'
      : t.metric === 'missingRetryAfter'
        ? '429/503 without Retry-After'
        : t.metric === 'timeouts'
          ? 'timeouts'
          : t.metric === 'goodput'
            ? 'goodput (202/s)'
            : `${t.metric}(${outcomeLabel(t.outcome ?? 'all')})`;
  const unit = LATENCY.includes(t.metric) ? ' ms' : '';
  const bounds = [
    b.min !== undefined ? `≥ ${fmt(b.min)}${unit}` : null,
    b.max !== undefined ? `≤ ${fmt(b.max)}${unit}` : null,
  ]
    .filter(Boolean)
    .join(' and ');
  return `${what} ${bounds}${t.stage ? ` in ${t.stage}` : ''}`;
}

function countOf(f: StageFigures, selector: Outcome | OutcomeGroup): Counted {
  if (selector in OUTCOME_GROUPS) return f.groups[selector as OutcomeGroup];
  return f.outcomes[selector as Outcome] ?? { count: 0, latency: null };
}

function boundsOf(t: Threshold, found: Found): Bounds {
  return {
    max: t.max === undefined ? undefined : amount(t.max, found),
    min: t.min === undefined ? undefined : amount(t.min, found),
  };
}

function within(t: Bounds, value: number): boolean {
  return (t.max === undefined || value <= t.max) && (t.min === undefined || value >= t.min);
}

const fmt = (n: number): string =>
  Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(n < 10 ? 2 : 1);

export function evaluateThresholds(
  thresholds: readonly Threshold[],
  stages: readonly StageFigures[],
  run: RunValues,
  found: Found = {},
): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const t = { ...threshold, ...boundsOf(threshold, found) };
    const name = thresholdName(threshold, found);
    if (t.metric === 'ambiguous') {
      const ok = within(t, run.ambiguous);
      return { threshold: t, name, ok, value: run.ambiguous, detail: fmt(run.ambiguous) };
    }
    const selected = stages.filter((s) => (t.stage ? s.stage === t.stage : s.kind !== 'search'));
    if (t.stage && selected.length === 0)
      return { threshold: t, name, ok: false, value: null, detail: `no stage ${t.stage}` };
    const selector = t.outcome ?? 'all';
    if (LATENCY.includes(t.metric)) {
      const metric = t.metric as LatencyMetric;
      const values = selected.flatMap((s) => {
        const latency = countOf(s, selector).latency;
        return latency ? [{ value: latency[metric], stage: s.stage }] : [];
      });
      // The stage that decides: the highest value against a maximum, the lowest against a minimum.
      const worst =
        values.length === 0
          ? null
          : values.reduce((w, v) =>
              (t.max !== undefined ? v.value > w.value : v.value < w.value) ? v : w,
            );
      if (worst === null)
        return { threshold: t, name, ok: true, value: null, detail: 'no answers' };
      const ok = within(t, worst.value);
      return {
        threshold: t,
        name,
        ok,
        value: worst.value,
        detail: `${fmt(worst.value)} ms${values.length > 1 ? ` (worst: ${worst.stage})` : ''}`,
      };
    }
    let value: number;
    if (t.metric === 'missingRetryAfter') value = sum(selected, (s) => s.missingRetryAfter);
    else if (t.metric === 'timeouts') value = sum(selected, (s) => s.timeouts);
    else if (t.metric === 'goodput') {
      const seconds = sum(selected, (s) => s.plannedSec);
      value = seconds > 0 ? sum(selected, (s) => s.outcomes.accepted?.count ?? 0) / seconds : 0;
    } else {
      const count = sum(selected, (s) => countOf(s, selector).count);
      if (t.metric === 'count') value = count;
      else {
        const all = sum(selected, (s) => s.groups.all.count);
        value = all > 0 ? count / all : 0;
      }
    }
    return { threshold: t, name, ok: within(t, value), value, detail: fmt(value) };
  });
}

function sum(stages: readonly StageFigures[], f: (s: StageFigures) => number): number {
  return stages.reduce((n, s) => n + f(s), 0);
}
