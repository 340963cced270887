import type { StockSignal } from './stock-channel';

/**
 * The hot path's Redis layout (docs/hot-path.md). order-service owns these keys; everything of
 * one sale shares the `{sale:<id>}` hash tag, so a sale's keys sit in one Redis Cluster slot and
 * one Lua script may touch all of them.
 */
export interface SaleKeys {
  /** Hash: startsAt, endsAt (epoch ms), perUserLimit, priceCents. */
  readonly meta: string;
  /** String: remaining units. */
  readonly stock: string;
  /** Hash: userId → units bought. */
  readonly buyers: string;
  /** Hash: orderId → order summary (JSON). */
  readonly orders: string;
  /** Stream: one entry per admitted order, the `order.created` record, until Kafka has it. */
  readonly outbox: string;
  /**
   * String: the first answer to (user, Idempotency-Key), for 24 h. User ids and keys may both
   * contain `:`, so `|` (allowed in neither) separates them: `a` + `b:c` ≠ `a:b` + `c`.
   */
  idempotency(userId: string, key: string): string;
  /** List: the order ids a user was admitted for in this sale, oldest first. */
  userOrders(userId: string): string;
}

export function saleKeys(saleId: string): SaleKeys {
  const tag = `{sale:${saleId}}`;
  return {
    meta: `${tag}:meta`,
    stock: `${tag}:stock`,
    buyers: `${tag}:buyers`,
    orders: `${tag}:orders`,
    outbox: `${tag}:outbox`,
    idempotency: (userId, key) => `${tag}:idem:${userId}|${key}`,
    userOrders: (userId) => `${tag}:user-orders:${userId}`,
  };
}

/** String: the sale id of an order, so `GET /api/orders/:id` finds the sale's orders hash. */
export function orderIndexKey(orderId: string): string {
  return `order:${orderId}`;
}

/** Set of every sale's outbox stream, so the stream relay knows where to look. */
export const OUTBOX_STREAMS_KEY = 'seckill:outbox-streams';

/** The message of the stock channel (STOCK_CHANNEL in ./stock-channel). */
export function encodeStockSignal(signal: StockSignal): string {
  return JSON.stringify({ saleId: signal.saleId, soldOut: signal.soldOut });
}
