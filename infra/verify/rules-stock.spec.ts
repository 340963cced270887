import { noOversell, perUserLimit, stockAgrees, stockConserved } from './rules-stock';
import type { VerifySnapshot } from './snapshot';
import { healthySnapshot, ORDER, SALE, withRedis, withRows } from './testing/healthy-snapshot';
import type { RuleResult } from './verdict';

const messages = (result: RuleResult) => result.violations.map((v) => `${v.subject}: ${v.message}`);

/** Five more SHIPPED orders, each with every effect a shipped order has: 6 units kept of 5. */
function oversold(): VerifySnapshot {
  const healthy = healthySnapshot();
  const extra = [1, 2, 3, 4, 5].map((n) => `order-extra-${n}`);
  const row = (orderId: string) => ({ orderId, saleId: SALE, userId: `u-${orderId}`, quantity: 1 });
  return {
    ...withRedis(healthy, {
      admitted: [...(healthy.redis[0]?.admitted ?? []), ...extra.map(row)],
    }),
    orders: [
      ...healthy.orders,
      ...extra.map((id) => ({ ...row(id), status: 'SHIPPED', idempotencyKey: null })),
    ],
    reservations: [
      ...healthy.reservations,
      ...extra.map((id) => ({ ...row(id), status: 'RESERVED', idempotencyKey: null })),
    ],
    payments: [...healthy.payments, ...extra.map((id) => ({ ...row(id), status: 'CAPTURED' }))],
    shipments: [
      ...healthy.shipments,
      ...extra.map((id) => ({ ...row(id), status: 'CREATED', trackingNumber: id })),
    ],
  };
}

describe('the stock rules on a healthy snapshot', () => {
  it.each([noOversell, perUserLimit, stockConserved, stockAgrees])('%p passes', (rule) => {
    const result = rule(healthySnapshot());
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('PASS');
  });
});

describe('noOversell', () => {
  it('names the sale and every store that kept more units than the stock', () => {
    const result = noOversell(oversold());
    expect(result.verdict).toBe('FAIL');
    expect(messages(result)).toEqual([
      `sale ${SALE}: 6 units kept in Redis (admitted, not restocked) for a stock of 5`,
      `sale ${SALE}: 6 units kept in the read model (orders not FAILED/CANCELLED) for a stock of 5`,
      `sale ${SALE}: 6 units kept in inventory (RESERVED reservations) for a stock of 5`,
      `sale ${SALE}: 6 units kept in payments (CAPTURED) for a stock of 5`,
      `sale ${SALE}: 6 units kept in logistics (CREATED shipments) for a stock of 5`,
    ]);
  });

  it('catches one store that oversold on its own (a second capture kept for a cancelled order)', () => {
    const healthy = healthySnapshot();
    const sales = [{ ...healthy.sales[0]!, stock: 1 }];
    const payments = healthy.payments.map((p) =>
      p.orderId === ORDER.cancelledAfterCapture ? { ...p, status: 'CAPTURED' } : p,
    );
    const result = noOversell({ ...healthy, sales, payments });
    expect(messages(result)).toEqual([
      `sale ${SALE}: 2 units kept in payments (CAPTURED) for a stock of 1`,
    ]);
  });
});

describe('perUserLimit', () => {
  it("fails on Redis's buyer count above the limit", () => {
    const healthy = healthySnapshot();
    const buyer = `user-of-${ORDER.shipped}`;
    const result = perUserLimit(withRedis(healthy, { buyers: { [buyer]: 2 } }));
    expect(messages(result)).toEqual([
      `sale ${SALE} user ${buyer}: 2 units held in Redis (buyers hash) (limit 1): orders ${ORDER.shipped}`,
    ]);
  });

  it('names the orders of a buyer who holds two units in the read model and inventory', () => {
    const healthy = healthySnapshot();
    const buyer = `user-of-${ORDER.shipped}`;
    const second = { ...healthy.orders[0]!, orderId: 'order-second', idempotencyKey: 'other' };
    const result = perUserLimit({
      ...healthy,
      orders: [...healthy.orders, second],
      reservations: [
        ...healthy.reservations,
        { ...healthy.reservations[0]!, orderId: 'order-second', idempotencyKey: 'other' },
      ],
    });
    expect(messages(result)).toEqual([
      `sale ${SALE} user ${buyer}: 2 units held in the read model (limit 1): orders ${ORDER.shipped}, order-second`,
      `sale ${SALE} user ${buyer}: 2 units held in inventory (limit 1): orders ${ORDER.shipped}, order-second`,
    ]);
  });

  it('lets a buyer whose order was given back buy again', () => {
    const healthy = healthySnapshot();
    const again = { ...healthy.orders[1]!, orderId: 'order-again', status: 'SHIPPED' };
    expect(perUserLimit(withRows(healthy, 'orders', [...healthy.orders, again])).verdict).toBe(
      'PASS',
    );
  });
});

describe('stockConserved', () => {
  it('fails when Redis stock was decremented with no order', () => {
    const result = stockConserved(withRedis(healthySnapshot(), { remaining: 3 }));
    expect(result.verdict).toBe('FAIL');
    expect(messages(result)).toEqual([
      `sale ${SALE}: Redis: stock 5 ≠ remaining 3 + 1 held by admitted orders not restocked (-1)`,
    ]);
  });

  it('fails when a buyer count disagrees with the orders it stands for', () => {
    const result = stockConserved(withRedis(healthySnapshot(), { buyers: {} }));
    expect(messages(result)).toEqual([
      `sale ${SALE}: Redis counts 0 units for user user-of-${ORDER.shipped}, whose orders hold 1`,
    ]);
  });

  it('fails when Postgres stock does not add up, naming each broken equation', () => {
    const healthy = healthySnapshot();
    const row = { ...healthy.saleStock[0]!, available: 3 };
    const result = stockConserved(withRows(healthy, 'saleStock', [row]));
    expect(messages(result)).toEqual([
      `sale ${SALE}: inventory: initial 5 ≠ available 3 + reserved 4 − released 3`,
      `sale ${SALE}: inventory: available − initial = -2, but the inventory log sums to -1`,
    ]);
  });

  it('fails when the counters disagree with the RESERVED rows', () => {
    const healthy = healthySnapshot();
    const reservations = healthy.reservations.map((r) =>
      r.orderId === ORDER.cancelled ? { ...r, status: 'RESERVED' } : r,
    );
    expect(messages(stockConserved({ ...healthy, reservations }))).toEqual([
      `sale ${SALE}: inventory: reserved − released = 1, but RESERVED reservations hold 2`,
    ]);
  });
});

describe('stockAgrees', () => {
  it('fails when Redis and inventory have different units left', () => {
    const result = stockAgrees(withRedis(healthySnapshot(), { remaining: 3 }));
    expect(result.verdict).toBe('FAIL');
    expect(messages(result)).toEqual([
      `sale ${SALE}: Redis has 3 units left, inventory 4 (-1)`,
      `sale ${SALE}: the read model keeps 1 unit and Redis has 3 left: 4 ≠ stock 5`,
    ]);
  });

  it('names the order Redis never restocked although inventory released it', () => {
    const healthy = healthySnapshot();
    const result = stockAgrees(
      withRedis(healthy, {
        remaining: 3,
        restocked: [ORDER.cancelled, ORDER.cancelledAfterCapture],
      }),
    );
    expect(messages(result)).toEqual([
      `sale ${SALE}: Redis has 3 units left, inventory 4 (-1)`,
      `sale ${SALE}: the read model keeps 1 unit and Redis has 3 left: 4 ≠ stock 5`,
      `order ${ORDER.paymentFailed}: Redis still holds its 1 unit, inventory has it RELEASED (never restocked)`,
    ]);
  });

  it("fails when the read model's kept orders and Redis's remaining do not make the stock", () => {
    const healthy = healthySnapshot();
    const orders = healthy.orders.map((o) =>
      o.orderId === ORDER.shipped ? { ...o, status: 'FAILED' } : o,
    );
    expect(messages(stockAgrees({ ...healthy, orders }))).toEqual([
      `sale ${SALE}: the read model keeps 0 units and Redis has 4 left: 4 ≠ stock 5`,
    ]);
  });

  it('names the order Redis gave back while inventory still holds it', () => {
    const healthy = healthySnapshot();
    const reservations = healthy.reservations.map((r) =>
      r.orderId === ORDER.cancelled ? { ...r, status: 'RESERVED' } : r,
    );
    expect(messages(stockAgrees({ ...healthy, reservations }))).toEqual([
      `order ${ORDER.cancelled}: Redis gave its 1 unit back, inventory still holds 1 (RESERVED)`,
    ]);
  });

  it('fails for a sale missing from Redis or from inventory, or with another initial stock', () => {
    const healthy = healthySnapshot();
    expect(messages(stockAgrees(withRows(healthy, 'redis', [])))).toEqual([
      `sale ${SALE}: not in Redis (no meta or stock key)`,
    ]);
    expect(messages(stockAgrees(withRows(healthy, 'saleStock', [])))).toEqual([
      `sale ${SALE}: inventory-service has no stock row (sale.published never applied)`,
    ]);
    const row = { ...healthy.saleStock[0]!, initialStock: 6 };
    expect(messages(stockAgrees(withRows(healthy, 'saleStock', [row])))).toEqual([
      `sale ${SALE}: initial stock 5 in order-service, 6 in inventory`,
    ]);
  });
});

describe('a sale of the synchronous baseline (flow sync, never in Redis)', () => {
  /** The healthy sale, sold by the baseline: the same rows, no Redis at all. */
  function syncSale(): VerifySnapshot {
    const healthy = healthySnapshot();
    return {
      ...healthy,
      sales: healthy.sales.map((sale) => ({ ...sale, flow: 'sync' as const })),
      redis: [],
    };
  }

  it.each([noOversell, perUserLimit, stockConserved, stockAgrees])('%p passes', (rule) => {
    expect(rule(syncSale()).violations).toEqual([]);
  });

  it('names inventory drifting from the orders', () => {
    const snapshot = syncSale();
    const saleStock = snapshot.saleStock.map((row) => ({ ...row, available: row.available - 1 }));
    expect(messages(stockAgrees({ ...snapshot, saleStock }))).toEqual([
      `sale ${SALE}: the read model keeps 1 unit and inventory has 3 left: 4 ≠ stock 5`,
    ]);
  });

  it('names a sync sale that was loaded into Redis', () => {
    const snapshot = { ...syncSale(), redis: healthySnapshot().redis };
    expect(messages(stockAgrees(snapshot))).toEqual([
      `sale ${SALE}: a sync-flow sale, yet loaded into Redis`,
    ]);
  });
});
