/**
 * The business checks every scenario ends with, judged once the saga has settled every accepted
 * order. Pure. A failed payment (the simulated provider declines some) or an unpaid order gives
 * its unit back and the unit is sold again, so the checks count units, not answers.
 */
import type { AmbiguitySummary } from './ambiguity';
import { type KnownOrder, RELEASED, type Settled } from './settle';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface CheckInput {
  readonly sale: { readonly id: string; readonly stock: number; readonly perUserLimit: number };
  /** Every order a buyer was told about: 202s of the load, of the replays, of the setup. */
  readonly orders: readonly KnownOrder[];
  /** 202 answers whose body had no orderId. */
  readonly malformed202: number;
  readonly settled: Settled;
  readonly ambiguity: AmbiguitySummary;
}

export type BusinessCheck = (input: CheckInput) => Check;

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Nothing oversold, no unit lost: orders kept + units left == stock. */
export const stockConserved: BusinessCheck = ({ sale, settled: s }) => {
  const total = s.kept + s.remaining;
  const missing = sale.stock - total;
  return {
    name: 'stock conserved (kept + remaining == stock)',
    ok: s.settled && total === sale.stock,
    detail:
      `${fmt(s.kept)} kept + ${fmt(s.remaining)} remaining = ${fmt(total)} of ${fmt(sale.stock)} ` +
      `(sale ${s.saleStatus}; ${fmt(s.released)} FAILED/CANCELLED gave theirs back)` +
      (s.inFlight > 0 ? `; ${fmt(s.inFlight)} order(s) not terminal when the wait ended` : '') +
      (s.inFlight === 0 && missing > 0
        ? `; ${fmt(missing)} unit(s) went to orders no buyer was told about (an answer that was ` +
          'not 202 had bought: ambiguous, and the replay could not see it), or were lost'
        : '') +
      (s.inFlight === 0 && missing < 0 ? `; ${fmt(-missing)} unit(s) OVERSOLD` : ''),
  };
};

/** Nobody keeps more than the sale's perUserLimit (a FAILED/CANCELLED order gave its unit back). */
export const perUserLimitHeld: BusinessCheck = ({ sale, orders, settled }) => {
  const keptByUser = new Map<number, number>();
  for (const o of new Map(orders.map((x) => [x.orderId, x])).values()) {
    const status = settled.orders.get(o.orderId)?.status;
    if (status !== undefined && !RELEASED.has(status))
      keptByUser.set(o.user, (keptByUser.get(o.user) ?? 0) + 1);
  }
  const over = [...keptByUser].filter(([, n]) => n > sale.perUserLimit);
  return {
    name: 'nobody over the per-user limit',
    ok: over.length === 0,
    detail:
      over.length === 0
        ? `${fmt(keptByUser.size)} buyers keep an order, none more than ${sale.perUserLimit}`
        : `${over.length} users keep more than ${sale.perUserLimit}, e.g. user #${over[0][0]} with ${over[0][1]}`,
  };
};

export const noAmbiguousAnswer: BusinessCheck = ({ ambiguity: a }) => {
  const p = a.plan;
  const replayed = `${fmt(p.unsettledReplayed)} of ${fmt(p.unsettled)} unsettled answers (5xx, no answer) and ${fmt(p.refusalsReplayed)} of ${fmt(p.refusals)} refusals replayed`;
  return {
    name: 'no ambiguous answer',
    ok: a.ambiguous === 0,
    detail:
      a.ambiguous === 0
        ? `${replayed}; none had bought unless told so` +
          (a.byClass.uncertainSettled
            ? ` (${a.byClass.uncertainSettled} OUTCOME_UNKNOWN settled as bought)`
            : '')
        : `${fmt(a.ambiguous)} buyers were told "failed" but had bought; ${replayed}; e.g. ${a.examples[0]}`,
  };
};

export const orderIdsUnique: BusinessCheck = ({ orders, malformed202 }) => {
  const ids = new Set(orders.map((o) => o.orderId));
  return {
    name: 'order ids unique and present',
    ok: ids.size === orders.length && malformed202 === 0,
    detail:
      `${fmt(ids.size)} distinct of ${fmt(orders.length)}` +
      (malformed202 ? `; ${malformed202} 202 bodies without an orderId` : ''),
  };
};

export const ordersReadable: BusinessCheck = ({ orders, settled }) => ({
  name: 'accepted orders readable by their owner',
  ok: settled.problems.length === 0,
  detail:
    settled.problems.length === 0
      ? `${fmt(new Set(orders.map((o) => o.orderId)).size)} read back, each of this sale, quantity 1`
      : `${settled.problems.length} failed, e.g. ${settled.problems[0]}`,
});

export const ALL_CHECKS: readonly BusinessCheck[] = [
  stockConserved,
  perUserLimitHeld,
  noAmbiguousAnswer,
  orderIdsUnique,
  ordersReadable,
];
