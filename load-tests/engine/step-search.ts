/**
 * The step search: the highest arrival rate a target holds. Pure: the runner (run.ts) runs each
 * step as a constant-rate segment and feeds the verdicts back.
 *
 * Start at `startRate`; while steps hold, multiply by `factor`. After the first failure, try the
 * geometric middle of the best held and the lowest failed rate until they are within
 * `precision` of each other. If even the first step fails, go down by `factor` until one holds.
 * A step whose arrivals the generator itself could not send in time says nothing about the
 * target: the search stops there, and its result is only a lower bound.
 */

export type StepVerdict = 'held' | 'failed' | 'generator-bound';

export interface SearchStep {
  readonly rate: number;
  readonly verdict: StepVerdict;
  readonly reason: string;
}

export interface SearchPolicy {
  readonly startRate: number;
  readonly maxRate: number;
  readonly factor: number;
  readonly precision: number;
  readonly maxSteps: number;
  /** Never go below this (default 1 req/s). */
  readonly minRate?: number;
}

export function nextSearchRate(
  policy: SearchPolicy,
  history: readonly SearchStep[],
): number | null {
  if (history.length === 0) return clampRate(policy.startRate, policy);
  if (history.length >= policy.maxSteps) return null;
  if (history.some((s) => s.verdict === 'generator-bound')) return null;
  const held = history.filter((s) => s.verdict === 'held').map((s) => s.rate);
  const failed = history.filter((s) => s.verdict === 'failed').map((s) => s.rate);
  const lo = held.length ? Math.max(...held) : null;
  const hiCandidates = failed.filter((r) => lo === null || r > lo);
  const hi = hiCandidates.length ? Math.min(...hiCandidates) : null;
  const tried = new Set(history.map((s) => s.rate));
  let next: number;
  if (lo === null) {
    // Nothing held yet: step down.
    const min = policy.minRate ?? 1;
    if (hi === null || hi <= min) return null;
    next = Math.max(min, Math.floor(hi / policy.factor));
  } else if (hi === null) {
    if (lo >= policy.maxRate) return null;
    next = Math.min(policy.maxRate, Math.round(lo * policy.factor));
  } else {
    if (hi / lo <= policy.precision) return null;
    next = Math.round(Math.sqrt(lo * hi));
  }
  next = clampRate(next, policy);
  return tried.has(next) ? null : next;
}

function clampRate(rate: number, policy: SearchPolicy): number {
  return Math.max(policy.minRate ?? 1, Math.min(policy.maxRate, Math.round(rate)));
}

export interface SearchResult {
  /** The highest rate that held, or null. */
  readonly held: number | null;
  /** The lowest rate above it that failed, or null. */
  readonly failedAt: number | null;
  /** The rate at which the generator could not keep up, if the search ended there. */
  readonly generatorBoundAt: number | null;
  /** e.g. "1,600 req/s (2,262 failed: p99 61 ms > 50 ms)". */
  readonly text: string;
}

export function searchResult(history: readonly SearchStep[]): SearchResult {
  const held = history.filter((s) => s.verdict === 'held');
  const best = held.length ? Math.max(...held.map((s) => s.rate)) : null;
  const failedAbove = history
    .filter((s) => s.verdict === 'failed' && (best === null || s.rate > best))
    .sort((a, b) => a.rate - b.rate)[0];
  const bound = history.find((s) => s.verdict === 'generator-bound');
  const fmt = (n: number): string => n.toLocaleString('en-US');
  let text: string;
  if (bound)
    text =
      `≥ ${best === null ? '?' : fmt(best)} req/s: the generator could not send ${fmt(bound.rate)} req/s ` +
      `(${bound.reason}), so the target's limit was not reached`;
  else if (best === null)
    text = `nothing held${failedAbove ? ` (lowest tried ${fmt(failedAbove.rate)} req/s: ${failedAbove.reason})` : ''}`;
  else
    text =
      `${fmt(best)} req/s` +
      (failedAbove
        ? ` (${fmt(failedAbove.rate)} req/s failed: ${failedAbove.reason})`
        : ' (the highest rate tried)');
  return {
    held: best,
    failedAt: failedAbove?.rate ?? null,
    generatorBoundAt: bound?.rate ?? null,
    text,
  };
}

export interface StepFigures {
  readonly intended: number;
  readonly sent: number;
  /** Answers that are not among the expected outcomes, by label. */
  readonly unexpected: ReadonlyMap<string, number>;
  /** p99 of every answer, ms (null when nothing was answered). */
  readonly p99Ms: number | null;
}

/** A step's arrivals count only when the generator sent at least this share of them. */
export const GENERATOR_MIN_SHARE = 0.95;

export function judgeStep(figures: StepFigures, p99LimitMs: number): Omit<SearchStep, 'rate'> {
  const share = figures.intended > 0 ? figures.sent / figures.intended : 0;
  if (share < GENERATOR_MIN_SHARE)
    return {
      verdict: 'generator-bound',
      reason: `sent ${figures.sent} of ${figures.intended} (${(share * 100).toFixed(1)} %)`,
    };
  const bad = [...figures.unexpected].filter(([, n]) => n > 0);
  if (bad.length > 0)
    return {
      verdict: 'failed',
      reason: bad.map(([label, n]) => `${label} ×${n}`).join(', '),
    };
  if (figures.p99Ms === null || figures.p99Ms > p99LimitMs)
    return {
      verdict: 'failed',
      reason: `p99 ${figures.p99Ms === null ? '-' : figures.p99Ms.toFixed(1)} ms > ${p99LimitMs} ms`,
    };
  return { verdict: 'held', reason: `p99 ${figures.p99Ms.toFixed(1)} ms, all answers expected` };
}
