/**
 * Ambiguous answers: a buyer told "failed" who had in fact bought. Pure (the replays themselves
 * are replay.ts).
 *
 * After the run, once the shop is quiet, requests that did not get a 202 are sent again, once,
 * with the same token, body and Idempotency-Key. order-service answers a key it has seen with
 * its first answer, so a replay that gets 202 for an order that existed before the replay was
 * sent proves the original request had bought. Then:
 * - if the original answer was 503 OUTCOME_UNKNOWN ("we don't know, retry with your key") the
 *   shop was honest: uncertain, settled by the replay;
 * - any other original answer (a 5xx, a timeout, a 409…) was a lie: ambiguous.
 * A 202 for an order created by the replay itself (its history starts after the replay was
 * sent) is a fresh purchase: the original had not bought.
 *
 * What is replayed: every answer that does not settle the purchase (no answer, every 5xx, a 2xx
 * other than 202), up to `max`; and a random sample of the definite refusals (409, 429, other
 * 4xx), which must not hide purchases either.
 */
import { type Outcome, OUTCOME_LABELS } from './outcomes';
import type { Answer } from './results';

export type ReplayClass =
  'ambiguous' | 'uncertainSettled' | 'replayBought' | 'refused' | 'refusedSoldOut' | 'inconclusive';

export const REPLAY_CLASS_LABELS: Record<ReplayClass, string> = {
  ambiguous: 'AMBIGUOUS: told failed, had bought',
  uncertainSettled: 'uncertain (OUTCOME_UNKNOWN), settled by replay: had bought',
  replayBought: 'had not bought (the replay bought afresh)',
  refused: 'had not bought (the replay was refused, or no order has its key)',
  refusedSoldOut: 'unproven: the replay got SOLD_OUT from the fast path (and no order list)',
  inconclusive: 'inconclusive: the replay got no definite answer',
};

/** Outcomes that settle nothing: the buyer does not know whether they bought. */
const UNSETTLED: readonly Outcome[] = [
  'transport',
  'overloaded',
  'outcomeUnknown',
  'other5xx',
  'ok',
];
/** Definite refusals: by contract nothing was admitted. */
const REFUSALS: readonly Outcome[] = ['soldOut', 'limitReached', 'rateLimited', 'other4xx'];

export interface ReplayPlan {
  readonly replay: readonly Answer[];
  /** Unsettled answers, and how many of them are replayed (all, unless more than `max`). */
  readonly unsettled: number;
  readonly unsettledReplayed: number;
  readonly refusals: number;
  readonly refusalsReplayed: number;
}

/** A uniform random sample of `n` (Fisher–Yates on a copy). */
export function sample<T>(items: readonly T[], n: number, random: () => number): T[] {
  if (n >= items.length) return [...items];
  const copy = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

export function replayPlan(
  answers: readonly Answer[],
  opts: { readonly max: number; readonly refusalSample: number; readonly random: () => number },
): ReplayPlan {
  const unsettled = answers.filter((a) => UNSETTLED.includes(a.outcome));
  const refusals = answers.filter((a) => REFUSALS.includes(a.outcome));
  const replayUnsettled = sample(unsettled, opts.max, opts.random);
  const replayRefusals = sample(refusals, opts.refusalSample, opts.random);
  return {
    replay: [...replayUnsettled, ...replayRefusals],
    unsettled: unsettled.length,
    unsettledReplayed: replayUnsettled.length,
    refusals: refusals.length,
    refusalsReplayed: replayRefusals.length,
  };
}

export interface ReplayAnswer {
  readonly outcome: Outcome;
  /** When the replay was sent (epoch ms). */
  readonly sentAtMs: number;
  /** For a 202: when its order was admitted (its first history entry), if it could be read. */
  readonly acceptedAtMs: number | null;
}

export function classifyReplay(original: Outcome, replay: ReplayAnswer): ReplayClass {
  if (replay.outcome === 'accepted') {
    // An order admitted after the replay left is the replay's own purchase. (1 ms of slack: the
    // history has ms precision.) An order of unknown age counts against the shop.
    if (replay.acceptedAtMs !== null && replay.acceptedAtMs >= replay.sentAtMs - 1)
      return 'replayBought';
    return original === 'outcomeUnknown' ? 'uncertainSettled' : 'ambiguous';
  }
  // The gateway answers a sold-out sale before it looks at the key: proves nothing.
  if (replay.outcome === 'soldOut') return 'refusedSoldOut';
  if (replay.outcome === 'limitReached' || replay.outcome === 'other4xx') return 'refused';
  return 'inconclusive';
}

/**
 * A replay that proved nothing (SOLD_OUT from the fast path, or no definite answer) is settled
 * by the buyer's order list instead, when the shop has one (`GET /api/users/me/orders`): an order
 * carrying the request's Idempotency-Key means the original had bought.
 */
export function classifyListed(original: Outcome, listedWithKey: boolean): ReplayClass {
  if (!listedWithKey) return 'refused';
  return original === 'outcomeUnknown' ? 'uncertainSettled' : 'ambiguous';
}

/** What the buyer's order list says of one order (`GET /api/users/me/orders`). */
export interface ListedOrder {
  readonly orderId?: unknown;
  readonly idempotencyKey?: unknown;
  readonly status?: unknown;
  readonly acceptedAt?: unknown;
}

/**
 * Whether a listed order carrying the request's key shows that the original request had bought:
 * it existed before the replay was sent (not the replay's own, 1 ms of slack), and it keeps
 * its units. A FAILED or CANCELLED order kept nothing: the buyer told "failed" got what they
 * were told (a sale of the synchronous baseline records even a refused purchase as a FAILED
 * order). An order of unknown age or status counts against the shop.
 */
export function listedOrderBought(order: ListedOrder, replaySentAtMs: number): boolean {
  if (order.status === 'FAILED' || order.status === 'CANCELLED') return false;
  const acceptedAtMs = typeof order.acceptedAt === 'string' ? Date.parse(order.acceptedAt) : NaN;
  return Number.isNaN(acceptedAtMs) || acceptedAtMs < replaySentAtMs - 1;
}

export interface ReplayRecord {
  readonly original: Answer;
  readonly replay: ReplayAnswer;
  readonly cls: ReplayClass;
  /** Settled by the buyer's order list (classifyListed), not by the replay's answer. */
  readonly listed?: boolean;
}

export interface AmbiguitySummary {
  readonly plan: Omit<ReplayPlan, 'replay'>;
  readonly byClass: Readonly<Record<ReplayClass, number>>;
  /** "<original> → <class>": count, for the table. */
  readonly byOriginal: Readonly<Record<string, number>>;
  readonly ambiguous: number;
  readonly examples: readonly string[];
}

export function summarizeReplays(
  plan: ReplayPlan,
  records: readonly ReplayRecord[],
): AmbiguitySummary {
  const byClass: Record<ReplayClass, number> = {
    ambiguous: 0,
    uncertainSettled: 0,
    replayBought: 0,
    refused: 0,
    refusedSoldOut: 0,
    inconclusive: 0,
  };
  const byOriginal: Record<string, number> = {};
  const examples: string[] = [];
  for (const r of records) {
    byClass[r.cls]++;
    const key = `${OUTCOME_LABELS[r.original.outcome]} → ${r.cls}`;
    byOriginal[key] = (byOriginal[key] ?? 0) + 1;
    if (r.cls === 'ambiguous' && examples.length < 5)
      examples.push(
        `request #${r.original.index} (${r.original.stage}): first ${OUTCOME_LABELS[r.original.outcome]}` +
          `${r.original.error && r.original.status === 0 ? ` (${r.original.error.slice(-60)})` : ''}, ` +
          (r.listed ? 'its key is on an order in the buyer’s list' : 'replay 202'),
      );
  }
  const counts = {
    unsettled: plan.unsettled,
    unsettledReplayed: plan.unsettledReplayed,
    refusals: plan.refusals,
    refusalsReplayed: plan.refusalsReplayed,
  };
  return { plan: counts, byClass, byOriginal, ambiguous: byClass.ambiguous, examples };
}
