/**
 * The snapshot regrouped the way the rules ask their questions: per sale, and per order id.
 * Pure. Where a table holds two rows for one key (which the duplicate rule reports), the
 * per-order maps keep the first, so every other rule still judges each order once.
 */
import { isTerminalOrderStatus } from '@seckill/contracts';
import type {
  OrderRow,
  PaymentRow,
  RedisOrder,
  RedisSale,
  ReservationRow,
  SaleRow,
  SaleStockRow,
  ShipmentRow,
  VerifySnapshot,
} from './snapshot';

/**
 * Read-model statuses whose order holds no stock: it failed (inventory rejected it, or the payment
 * failed) or was cancelled (apps/order-service/src/lifecycle/order-state.ts, which infra may not
 * import). Every other status keeps its units, terminal (SHIPPED) or on its way there.
 */
export const GIVEN_BACK_STATUSES: readonly string[] = ['FAILED', 'CANCELLED'];

export function keepsStock(status: string): boolean {
  return !GIVEN_BACK_STATUSES.includes(status);
}

export const isTerminal = isTerminalOrderStatus;

export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** The first row of each key (a duplicate is the duplicate rule's business). */
export function firstBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T> {
  const first = new Map<string, T>();
  for (const row of rows) if (!first.has(key(row))) first.set(key(row), row);
  return first;
}

export function sumOf<T>(rows: readonly T[], value: (row: T) => number): number {
  return rows.reduce((total, row) => total + value(row), 0);
}

/** Everything the snapshot holds about one sale. */
export interface SaleView {
  readonly sale: SaleRow;
  /** Undefined when the reader found no Redis keys at all for it. */
  readonly redis: RedisSale | undefined;
  /** inventory-service's stock row; undefined if it never got the sale. */
  readonly stock: SaleStockRow | undefined;
  readonly orders: readonly OrderRow[];
  readonly reservations: readonly ReservationRow[];
  readonly payments: readonly PaymentRow[];
  readonly shipments: readonly ShipmentRow[];
}

export function saleViews(snapshot: VerifySnapshot): SaleView[] {
  const redis = firstBy(snapshot.redis, (s) => s.saleId);
  const stock = firstBy(snapshot.saleStock, (s) => s.saleId);
  const orders = groupBy(snapshot.orders, (o) => o.saleId);
  const reservations = groupBy(snapshot.reservations, (r) => r.saleId);
  const payments = groupBy(snapshot.payments, (p) => p.saleId);
  const shipments = groupBy(snapshot.shipments, (s) => s.saleId);
  return snapshot.sales.map((sale) => ({
    sale,
    redis: redis.get(sale.saleId),
    stock: stock.get(sale.saleId),
    orders: orders.get(sale.saleId) ?? [],
    reservations: reservations.get(sale.saleId) ?? [],
    payments: payments.get(sale.saleId) ?? [],
    shipments: shipments.get(sale.saleId) ?? [],
  }));
}

/** The admitted orders whose units Redis still holds (admitted, never restocked). */
export function liveInRedis(sale: RedisSale): RedisOrder[] {
  const restocked = new Set(sale.restocked);
  return sale.admitted.filter((o) => !restocked.has(o.orderId));
}

/** Every order id the admission script accepted, over the sales checked. */
export function admittedIds(snapshot: VerifySnapshot): Set<string> {
  return new Set(snapshot.redis.flatMap((s) => s.admitted.map((o) => o.orderId)));
}

/** "3 orders: a, b, c" with at most `max` ids spelled out. */
export function idList(ids: readonly string[], max = 5): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}
