import type { AmbiguitySummary } from './ambiguity';
import {
  type CheckInput,
  noAmbiguousAnswer,
  orderIdsUnique,
  ordersReadable,
  perUserLimitHeld,
  stockConserved,
} from './checks';
import type { KnownOrder, OrderState, Settled } from './settle';

const order = (orderId: string, user: number): KnownOrder => ({
  orderId,
  user,
  token: 't',
  index: 0,
  answeredAtMs: 0,
  via: 'load',
});
const state = (status: string): OrderState => ({ saleId: 's', quantity: 1, status, history: [] });

function settled(
  statuses: Record<string, string>,
  remaining: number,
  extra: Partial<Settled> = {},
): Settled {
  const orders = new Map(Object.entries(statuses).map(([id, st]) => [id, state(st)]));
  const released = [...orders.values()].filter((o) =>
    ['FAILED', 'CANCELLED'].includes(o.status),
  ).length;
  return {
    orders,
    problems: [],
    remaining,
    saleStatus: remaining === 0 ? 'SOLD_OUT' : 'OPEN',
    inFlight: 0,
    kept: orders.size - released,
    released,
    settled: true,
    waitedSec: 1,
    ...extra,
  };
}

const noAmbiguity: AmbiguitySummary = {
  plan: { unsettled: 0, unsettledReplayed: 0, refusals: 10, refusalsReplayed: 2 },
  byClass: {
    ambiguous: 0,
    uncertainSettled: 0,
    replayBought: 0,
    refused: 0,
    refusedSoldOut: 2,
    inconclusive: 0,
  },
  byOriginal: {},
  ambiguous: 0,
  examples: [],
};

function input(over: Partial<CheckInput>): CheckInput {
  return {
    sale: { id: 's', stock: 3, perUserLimit: 1 },
    orders: [order('a', 1), order('b', 2), order('c', 3), order('d', 1)],
    malformed202: 0,
    settled: settled({ a: 'FAILED', b: 'SHIPPED', c: 'SHIPPED', d: 'SHIPPED' }, 0),
    ambiguity: noAmbiguity,
    ...over,
  };
}

describe('business checks', () => {
  it('pass for a sale sold out with one unit released and sold again', () => {
    const i = input({});
    for (const check of [
      stockConserved,
      perUserLimitHeld,
      noAmbiguousAnswer,
      orderIdsUnique,
      ordersReadable,
    ])
      expect(check(i)).toMatchObject({ ok: true });
    expect(stockConserved(i).detail).toContain('3 kept + 0 remaining = 3 of 3');
  });

  it('stock: units bought by answers that were not 202 show as missing', () => {
    const c = stockConserved(input({ settled: settled({ b: 'SHIPPED', c: 'SHIPPED' }, 0) }));
    expect(c.ok).toBe(false);
    expect(c.detail).toContain('1 unit(s) went to orders no buyer was told about');
  });

  it('stock: oversold, and not settled in time', () => {
    expect(
      stockConserved(input({ settled: settled({ b: 'SHIPPED', c: 'SHIPPED', d: 'SHIPPED' }, 1) }))
        .detail,
    ).toContain('OVERSOLD');
    const waiting = stockConserved(
      input({
        settled: settled({ b: 'PENDING', c: 'SHIPPED', d: 'SHIPPED' }, 0, {
          inFlight: 1,
          settled: false,
        }),
      }),
    );
    expect(waiting.ok).toBe(false);
    expect(waiting.detail).toContain('not terminal');
  });

  it('per-user limit: a released order does not count, a second kept one does', () => {
    const over = perUserLimitHeld(
      input({ settled: settled({ a: 'SHIPPED', b: 'SHIPPED', c: 'SHIPPED', d: 'SHIPPED' }, 0) }),
    );
    expect(over.ok).toBe(false);
    expect(over.detail).toContain('user #1 with 2');
  });

  it('ambiguity, duplicate ids, unreadable orders', () => {
    expect(
      noAmbiguousAnswer(
        input({ ambiguity: { ...noAmbiguity, ambiguous: 1, examples: ['request #9'] } }),
      ).ok,
    ).toBe(false);
    expect(orderIdsUnique(input({ orders: [order('a', 1), order('a', 2)] })).ok).toBe(false);
    expect(orderIdsUnique(input({ malformed202: 1 })).ok).toBe(false);
    expect(
      ordersReadable(input({ settled: settled({}, 0, { problems: ['x: HTTP 404'] }) })).ok,
    ).toBe(false);
  });
});
