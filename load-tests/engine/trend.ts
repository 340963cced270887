/**
 * The saga's pace over a run: for the orders accepted in each window of the run, the time from
 * the buyer's 202 to the order's SHIPPED (its history entry, order-service's clock; the same
 * machine as the generator). A rising trend means the saga falls behind the arrivals. Pure.
 */
import { percentileOfSorted } from '../bench/stats';
import type { KnownOrder, OrderState } from './settle';

export interface TrendRow {
  /** Window, seconds from `startMs`. */
  readonly fromSec: number;
  readonly toSec: number;
  readonly accepted: number;
  readonly shipped: number;
  /** ms; NaN when nothing shipped */
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
}

export function shippedAtMs(state: OrderState | undefined): number | null {
  const entry = state?.history.find((h) => h.status === 'SHIPPED');
  const ms = entry ? Date.parse(entry.at) : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
}

export function shipTrend(
  orders: readonly KnownOrder[],
  states: ReadonlyMap<string, OrderState>,
  startMs: number,
  windowSec: number,
): TrendRow[] {
  const windows = new Map<number, { accepted: number; waits: number[] }>();
  for (const o of orders) {
    if (o.via !== 'load') continue;
    const w = Math.max(0, Math.floor((o.answeredAtMs - startMs) / 1000 / windowSec));
    const bucket = windows.get(w) ?? { accepted: 0, waits: [] };
    bucket.accepted++;
    const shipped = shippedAtMs(states.get(o.orderId));
    if (shipped !== null) bucket.waits.push(Math.max(0, shipped - o.answeredAtMs));
    windows.set(w, bucket);
  }
  return [...windows.keys()]
    .sort((a, b) => a - b)
    .map((w) => {
      const { accepted, waits } = windows.get(w) ?? { accepted: 0, waits: [] };
      const sorted = waits.sort((a, b) => a - b);
      return {
        fromSec: w * windowSec,
        toSec: (w + 1) * windowSec,
        accepted,
        shipped: sorted.length,
        p50: percentileOfSorted(sorted, 50),
        p90: percentileOfSorted(sorted, 90),
        max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
      };
    });
}
