/**
 * Snapshots for the rules' unit tests: `healthySnapshot()` is a quiet shop where every invariant
 * holds (one sale of 5 units, limit 1, one order of each ending); a test plants one fault in a
 * copy of it and expects the rule to name it.
 */
import type {
  OrderRow,
  PaymentRow,
  RedisSale,
  ReservationRow,
  ShipmentRow,
  VerifySnapshot,
} from '../snapshot';

export const SALE = 'sale-1';

/** The orders of the healthy snapshot, by how they ended. */
export const ORDER = {
  shipped: 'order-shipped',
  paymentFailed: 'order-payment-failed',
  cancelled: 'order-cancelled',
  cancelledAfterCapture: 'order-refunded',
} as const;

const user = (orderId: string) => `user-of-${orderId}`;

function order(orderId: string, status: string): OrderRow {
  return {
    orderId,
    saleId: SALE,
    userId: user(orderId),
    quantity: 1,
    status,
    idempotencyKey: `key-${orderId}`,
  };
}

function reservation(orderId: string, status: string, quantity = 1): ReservationRow {
  return {
    orderId,
    saleId: SALE,
    userId: user(orderId),
    quantity,
    status,
    idempotencyKey: `key-${orderId}`,
  };
}

function payment(orderId: string, status: string): PaymentRow {
  return { orderId, saleId: SALE, quantity: 1, status };
}

function shipment(orderId: string, status: string, trackingNumber: string | null): ShipmentRow {
  return { orderId, saleId: SALE, quantity: 1, status, trackingNumber };
}

/**
 * Sale of 5 units: one order shipped (1 unit kept), three given back (a failed payment, a
 * cancellation before payment, a cancellation whose late capture was refunded). Redis and
 * inventory both have 4 units left.
 */
export function healthySnapshot(): VerifySnapshot {
  const ids = Object.values(ORDER);
  const givenBack = [ORDER.paymentFailed, ORDER.cancelled, ORDER.cancelledAfterCapture];
  const redis: RedisSale = {
    saleId: SALE,
    loaded: true,
    remaining: 4,
    admitted: ids.map((orderId) => ({ orderId, userId: user(orderId), quantity: 1 })),
    unreadable: [],
    restocked: givenBack,
    buyers: { [user(ORDER.shipped)]: 1 },
  };
  return {
    sales: [{ saleId: SALE, stock: 5, perUserLimit: 1, flow: 'events' }],
    redis: [redis],
    orders: [
      order(ORDER.shipped, 'SHIPPED'),
      order(ORDER.paymentFailed, 'FAILED'),
      order(ORDER.cancelled, 'CANCELLED'),
      order(ORDER.cancelledAfterCapture, 'CANCELLED'),
    ],
    // 4 reserved, 3 released: 4 available = 5 − 4 + 3; the log: −4 + 3.
    saleStock: [
      { saleId: SALE, initialStock: 5, available: 4, reserved: 4, released: 3, logDelta: -1 },
    ],
    reservations: [
      reservation(ORDER.shipped, 'RESERVED'),
      reservation(ORDER.paymentFailed, 'RELEASED'),
      reservation(ORDER.cancelled, 'RELEASED'),
      reservation(ORDER.cancelledAfterCapture, 'RELEASED'),
    ],
    payments: [
      payment(ORDER.shipped, 'CAPTURED'),
      payment(ORDER.paymentFailed, 'DECLINED'),
      payment(ORDER.cancelled, 'VOIDED'),
      payment(ORDER.cancelledAfterCapture, 'REFUNDED'),
    ],
    charges: [
      { idempotencyKey: ORDER.shipped, status: 'SUCCEEDED' },
      { idempotencyKey: ORDER.paymentFailed, status: 'DECLINED' },
      { idempotencyKey: ORDER.cancelledAfterCapture, status: 'REFUNDED' },
    ],
    shipments: [
      shipment(ORDER.shipped, 'CREATED', 'TRK-1'),
      shipment(ORDER.cancelledAfterCapture, 'CANCELLED', 'TRK-2'),
    ],
    auditDuplicates: [],
    outboxes: [
      { outbox: `redis {sale:${SALE}}:outbox`, unpublished: 0, saleId: SALE },
      { outbox: 'seckill_order.outbox_events', unpublished: 0 },
      { outbox: 'seckill_inventory.outbox_events', unpublished: 0 },
    ],
    deadLetters: [],
  };
}

/** A copy of `snapshot` with one table's rows replaced (the snapshot is read-only). */
export function withRows<K extends keyof VerifySnapshot>(
  snapshot: VerifySnapshot,
  table: K,
  rows: VerifySnapshot[K],
): VerifySnapshot {
  return { ...snapshot, [table]: rows };
}

/** A copy of the sale's Redis keys with some fields changed. */
export function withRedis(snapshot: VerifySnapshot, change: Partial<RedisSale>): VerifySnapshot {
  return { ...snapshot, redis: snapshot.redis.map((s) => ({ ...s, ...change })) };
}
