import type { KnownOrder, OrderState } from './settle';
import { shipTrend, shippedAtMs } from './trend';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(t0 + ms).toISOString();

function order(id: string, answeredAfterMs: number): KnownOrder {
  return {
    orderId: id,
    user: 0,
    token: 't',
    index: 0,
    answeredAtMs: t0 + answeredAfterMs,
    via: 'load',
  };
}
function shipped(afterMs: number | null): OrderState {
  return {
    saleId: 's',
    quantity: 1,
    status: afterMs === null ? 'PAID' : 'SHIPPED',
    history: [
      { status: 'PENDING', at: iso(0) },
      ...(afterMs === null ? [] : [{ status: 'SHIPPED', at: iso(afterMs) }]),
    ],
  };
}

describe('shipTrend', () => {
  it('groups orders by when they were accepted; time from 202 to SHIPPED per window', () => {
    const orders = [order('a', 1000), order('b', 2000), order('c', 6000), order('d', 7000)];
    const states = new Map([
      ['a', shipped(1400)],
      ['b', shipped(2600)],
      ['c', shipped(7000)],
      ['d', shipped(null)],
    ]);
    const rows = shipTrend(orders, states, t0, 5);
    expect(rows).toEqual([
      { fromSec: 0, toSec: 5, accepted: 2, shipped: 2, p50: 400, p90: 600, max: 600 },
      { fromSec: 5, toSec: 10, accepted: 2, shipped: 1, p50: 1000, p90: 1000, max: 1000 },
    ]);
  });

  it('finds the SHIPPED entry, or none', () => {
    expect(shippedAtMs(shipped(5))).toBe(t0 + 5);
    expect(shippedAtMs(shipped(null))).toBeNull();
    expect(shippedAtMs(undefined)).toBeNull();
  });
});
