/**
 * What the verifier reads from every store, once the shop is quiet: plain rows, no behaviour.
 * The readers (read-redis.ts, read-postgres.ts, read-dead-letters.ts) fill it; the rules
 * (rules-*.ts) judge it without touching a server, so each rule is unit-tested on a snapshot
 * with the fault planted in it.
 *
 * Only the columns a rule needs are read. Rows the cross-service rules compare order by order
 * (orders, reservations, payments, charges, shipments) come whole; the audit tables that hold
 * several rows per order (order_history, inventory_log, notifications) are grouped by Postgres
 * and only their duplicate keys travel (`DuplicateKey`).
 */

/** One order the admission script accepted (a 202), from the sale's `orders` hash in Redis. */
export interface RedisOrder {
  readonly orderId: string;
  readonly userId: string;
  readonly quantity: number;
}

/** A sale's hot-path keys (libs/redis sale-keys.ts). */
export interface RedisSale {
  readonly saleId: string;
  /** `{sale:<id>}:meta` exists: the sale was loaded into Redis. */
  readonly loaded: boolean;
  /** Remaining units (`{sale:<id>}:stock`); null when the key is missing. */
  readonly remaining: number | null;
  /** Every order ever admitted (the orders hash is never pruned). */
  readonly admitted: readonly RedisOrder[];
  /** Order ids whose summary in the orders hash could not be read. */
  readonly unreadable: readonly string[];
  /** Orders whose units went back to the Redis stock (`{sale:<id>}:restocked`). */
  readonly restocked: readonly string[];
  /** userId → units held (`{sale:<id>}:buyers`). */
  readonly buyers: Readonly<Record<string, number>>;
}

/** order-service `sales`: the initial stock and the limit, as the admin created them. */
export interface SaleRow {
  readonly saleId: string;
  readonly stock: number;
  readonly perUserLimit: number;
  /**
   * `events`, or `sync` for a sale of the synchronous baseline (ADR 0012): never in Redis, its
   * stock is inventory's alone, and the rules that compare with Redis skip it.
   */
  readonly flow: 'events' | 'sync';
}

/** order-service `orders`: the read model. */
export interface OrderRow {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly status: string;
  readonly idempotencyKey: string | null;
}

/** inventory-service `sale_stock`, with the sum of the sale's `inventory_log.delta`. */
export interface SaleStockRow {
  readonly saleId: string;
  readonly initialStock: number;
  readonly available: number;
  readonly reserved: number;
  readonly released: number;
  /** Σ inventory_log.delta of the sale: every change of `available` since the row was created. */
  readonly logDelta: number;
}

/** inventory-service `reservations` (status RESERVED | RELEASED | REJECTED). */
export interface ReservationRow {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly status: string;
  readonly idempotencyKey: string | null;
}

/** payment-service `payments` (PENDING | CAPTURED | DECLINED | REFUNDED | VOIDED). */
export interface PaymentRow {
  readonly orderId: string;
  readonly saleId: string;
  readonly quantity: number;
  readonly status: string;
}

/** payment-service `provider_charges`: the simulated provider's ledger, keyed by order id. */
export interface ChargeRow {
  readonly idempotencyKey: string;
  readonly status: string;
}

/** logistics-service `shipments` (CREATED | CANCELLED). */
export interface ShipmentRow {
  readonly orderId: string;
  readonly saleId: string;
  readonly quantity: number;
  readonly status: string;
  readonly trackingNumber: string | null;
}

/** A key of an audit table that Postgres found on more than one row. */
export interface DuplicateKey {
  /** e.g. `seckill_notification.notifications`. */
  readonly table: string;
  /** e.g. `(order_id, kind) = (…, PAID)`. */
  readonly key: string;
  readonly orderId: string;
  readonly rows: number;
}

/** Entries of one outbox that are not published yet. */
export interface OutboxBacklog {
  /** `redis {sale:<id>}:outbox` or `seckill_order.outbox_events`. */
  readonly outbox: string;
  readonly unpublished: number;
  /** The sale, for a Redis stream. */
  readonly saleId?: string;
}

/** One record of the dead-letter topic (redrive markers are not dead letters). */
export interface DeadLetterRow {
  /** `<partition>:<offset>`, the id `npm run dlq -- show` takes. */
  readonly id: string;
  readonly reason: string;
  readonly originalTopic: string;
  readonly consumerGroup: string;
  /** The order it is about: the payload's orderId, else the record key; null if neither. */
  readonly orderId: string | null;
  readonly saleId: string | null;
  readonly error: string;
  /** `npm run dlq -- redrive` re-published it (a marker names it). */
  readonly redriven: boolean;
}

export interface VerifySnapshot {
  /** The sales checked: every sale of order-service, or the one `--sale` named. */
  readonly sales: readonly SaleRow[];
  readonly redis: readonly RedisSale[];
  readonly orders: readonly OrderRow[];
  readonly saleStock: readonly SaleStockRow[];
  readonly reservations: readonly ReservationRow[];
  readonly payments: readonly PaymentRow[];
  readonly charges: readonly ChargeRow[];
  readonly shipments: readonly ShipmentRow[];
  /** order_history per (order, event type), inventory_log per (order, kind), notifications per (order, kind). */
  readonly auditDuplicates: readonly DuplicateKey[];
  /** Every outbox (Redis streams and the five Postgres outbox tables), empty ones included. */
  readonly outboxes: readonly OutboxBacklog[];
  readonly deadLetters: readonly DeadLetterRow[];
}
