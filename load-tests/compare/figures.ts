/**
 * What one design did with one crowd, from the buyers' answers: how many bought, were refused,
 * were shed or got an error, and how long they waited. Pure, so the comparison's arithmetic is
 * unit-tested apart from the runs.
 */
import type { Answer } from '../engine/results';

export interface AnswerFigures {
  readonly sent: number;
  /** 202 (events) or 201 (sync): the purchase went through. */
  readonly bought: number;
  /** 409 SOLD_OUT, LIMIT_REACHED, INSUFFICIENT_STOCK, 402 PAYMENT_DECLINED: a definite "no". */
  readonly refused: number;
  /** 429 and 503 OVERLOADED: turned away with a Retry-After, nothing done. */
  readonly shed: number;
  /**
   * Everything a buyer should never get: other 5xx (UPSTREAM_UNAVAILABLE, OUTCOME_UNKNOWN…) and
   * no answer at all.
   */
  readonly errors: number;
  /** Answers by `<status> <code>` (e.g. `503 UPSTREAM_UNAVAILABLE`), for the details line. */
  readonly byAnswer: Readonly<Record<string, number>>;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** Purchases that went through per second, from the first send to the last answer. */
  readonly boughtPerSec: number;
}

export function answerFigures(answers: readonly Answer[]): AnswerFigures {
  const byAnswer: Record<string, number> = {};
  let bought = 0;
  let refused = 0;
  let shed = 0;
  let errors = 0;
  for (const a of answers) {
    const label =
      a.status === 0 ? 'no answer' : `${a.status}${a.problemCode ? ` ${a.problemCode}` : ''}`;
    byAnswer[label] = (byAnswer[label] ?? 0) + 1;
    if (a.outcome === 'accepted') bought++;
    else if (a.outcome === 'rateLimited' || a.outcome === 'overloaded') shed++;
    else if (a.status >= 400 && a.status < 500) refused++;
    else errors++; // other 5xx, OUTCOME_UNKNOWN, no answer, and a 2xx that is not a purchase
  }
  const latencies = answers.map((a) => a.latencyNs / 1e6).sort((x, y) => x - y);
  const first = Math.min(...answers.map((a) => a.sentAtMs));
  const last = Math.max(...answers.map((a) => a.sentAtMs + a.latencyNs / 1e6));
  const spanSec = answers.length > 0 ? Math.max((last - first) / 1000, 0.001) : 0;
  return {
    sent: answers.length,
    bought,
    refused,
    shed,
    errors,
    byAnswer,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.length > 0 ? (latencies[latencies.length - 1] ?? null) : null,
    boughtPerSec: spanSec > 0 ? bought / spanSec : 0,
  };
}

/** Nearest-rank percentile of sorted values; null for none. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? null;
}
