import { effectsMatchStatus, noDuplicateEffect, ordersTerminal } from './rules-orders';
import { healthySnapshot, ORDER, SALE, withRedis, withRows } from './testing/healthy-snapshot';
import type { RuleResult } from './verdict';

const messages = (result: RuleResult) => result.violations.map((v) => `${v.subject}: ${v.message}`);

function withStatus(orderId: string, status: string) {
  const healthy = healthySnapshot();
  return withRows(
    healthy,
    'orders',
    healthy.orders.map((o) => (o.orderId === orderId ? { ...o, status } : o)),
  );
}

describe('the order rules on a healthy snapshot', () => {
  it.each([ordersTerminal, effectsMatchStatus, noDuplicateEffect])('%p passes', (rule) => {
    const result = rule(healthySnapshot());
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('PASS');
  });

  it('counts the accepted orders by status', () => {
    expect(ordersTerminal(healthySnapshot()).detail).toBe(
      '4 accepted, 4 in the read model: SHIPPED 1, FAILED 1, CANCELLED 2',
    );
  });
});

describe('ordersTerminal', () => {
  it('names a non-terminal order', () => {
    const result = ordersTerminal(withStatus(ORDER.shipped, 'RESERVED'));
    expect(result.verdict).toBe('FAIL');
    expect(messages(result)).toEqual([`order ${ORDER.shipped}: RESERVED, not terminal`]);
  });

  it('names an accepted order the read model never got', () => {
    const healthy = healthySnapshot();
    const extra = { orderId: 'order-lost', userId: 'u', quantity: 1 };
    const result = ordersTerminal(
      withRedis(healthy, { admitted: [...healthy.redis[0]!.admitted, extra] }),
    );
    expect(messages(result)).toEqual([
      'order order-lost: accepted (202, in Redis) but not in the read model: lost',
    ]);
  });

  it('names an order whose Redis summary is unreadable', () => {
    const result = ordersTerminal(withRedis(healthySnapshot(), { unreadable: ['order-x'] }));
    expect(messages(result)).toEqual([
      `order order-x: its summary in Redis ({sale:${SALE}}:orders) cannot be read`,
    ]);
  });
});

describe('effectsMatchStatus', () => {
  it('names a SHIPPED order with no shipment and a declined payment', () => {
    const healthy = healthySnapshot();
    const result = effectsMatchStatus({
      ...healthy,
      shipments: healthy.shipments.filter((s) => s.orderId !== ORDER.shipped),
      payments: healthy.payments.map((p) =>
        p.orderId === ORDER.shipped ? { ...p, status: 'DECLINED' } : p,
      ),
    });
    expect(result.verdict).toBe('FAIL');
    expect(messages(result)).toEqual([
      `order ${ORDER.shipped}: SHIPPED, but payment DECLINED, shipment none`,
    ]);
  });

  it('names a cancelled order whose capture was never refunded', () => {
    const healthy = healthySnapshot();
    const result = effectsMatchStatus({
      ...healthy,
      payments: healthy.payments.map((p) =>
        p.orderId === ORDER.cancelledAfterCapture ? { ...p, status: 'CAPTURED' } : p,
      ),
      charges: healthy.charges.map((c) =>
        c.idempotencyKey === ORDER.cancelledAfterCapture ? { ...c, status: 'SUCCEEDED' } : c,
      ),
    });
    expect(messages(result)).toEqual([
      `order ${ORDER.cancelledAfterCapture}: CANCELLED, but payment CAPTURED, provider charge SUCCEEDED (never refunded)`,
    ]);
  });

  it('names a failed order whose stock is still reserved and whose shipment went out', () => {
    const healthy = healthySnapshot();
    const result = effectsMatchStatus({
      ...healthy,
      reservations: healthy.reservations.map((r) =>
        r.orderId === ORDER.paymentFailed ? { ...r, status: 'RESERVED' } : r,
      ),
      shipments: [
        ...healthy.shipments,
        { ...healthy.shipments[0]!, orderId: ORDER.paymentFailed, trackingNumber: 'TRK-9' },
      ],
    });
    expect(messages(result)).toEqual([
      `order ${ORDER.paymentFailed}: FAILED, but reservation still RESERVED, shipment CREATED`,
    ]);
  });
});

describe('noDuplicateEffect', () => {
  it('names the order with a second payment', () => {
    const healthy = healthySnapshot();
    const result = noDuplicateEffect(
      withRows(healthy, 'payments', [...healthy.payments, { ...healthy.payments[0]! }]),
    );
    expect(result.verdict).toBe('FAIL');
    expect(messages(result)).toEqual([
      `order ${ORDER.shipped}: 2 rows in payments for order_id ${ORDER.shipped}`,
    ]);
  });

  it('names two orders of one purchase (same sale, user and Idempotency-Key)', () => {
    const healthy = healthySnapshot();
    const twin = { ...healthy.orders[0]!, orderId: 'order-twin' };
    const result = noDuplicateEffect(
      withRedis(withRows(healthy, 'orders', [...healthy.orders, twin]), {
        admitted: [...healthy.redis[0]!.admitted, { ...twin }],
      }),
    );
    expect(messages(result)).toEqual([
      `order ${ORDER.shipped}: 2 rows in orders for (sale, user, Idempotency-Key) = (${SALE}, user-of-${ORDER.shipped}, key-${ORDER.shipped}): orders ${ORDER.shipped}, order-twin`,
    ]);
  });

  it('names a second shipment, a reused tracking number and a second charge', () => {
    const healthy = healthySnapshot();
    const result = noDuplicateEffect({
      ...healthy,
      shipments: [...healthy.shipments, { ...healthy.shipments[0]!, trackingNumber: 'TRK-2' }],
      charges: [...healthy.charges, { ...healthy.charges[0]! }],
    });
    expect(messages(result)).toEqual([
      `order ${ORDER.shipped}: 2 rows in provider_charges for idempotency_key ${ORDER.shipped}`,
      `order ${ORDER.shipped}: 2 rows in shipments for order_id ${ORDER.shipped}`,
      `order ${ORDER.cancelledAfterCapture}: 2 rows in shipments for tracking_number TRK-2: orders ${ORDER.cancelledAfterCapture}, ${ORDER.shipped}`,
    ]);
  });

  it('reports the duplicates Postgres found in the audit tables', () => {
    const duplicate = {
      table: 'seckill_notification.notifications',
      key: '(order_id, kind) = (order-shipped, PAID)',
      orderId: ORDER.shipped,
      rows: 2,
    };
    const result = noDuplicateEffect(withRows(healthySnapshot(), 'auditDuplicates', [duplicate]));
    expect(messages(result)).toEqual([
      `order ${ORDER.shipped}: 2 rows in seckill_notification.notifications for (order_id, kind) = (order-shipped, PAID)`,
    ]);
  });

  it('names an order with effects that Redis never admitted', () => {
    const healthy = healthySnapshot();
    const phantom = { ...healthy.orders[1]!, orderId: 'order-phantom', idempotencyKey: null };
    const result = noDuplicateEffect({
      ...healthy,
      orders: [...healthy.orders, phantom],
      reservations: [...healthy.reservations, { ...phantom, status: 'REJECTED' }],
    });
    expect(messages(result)).toEqual([
      'order order-phantom: in orders, reservations but never admitted in Redis (an order.created published with a new id?)',
    ]);
  });
});
