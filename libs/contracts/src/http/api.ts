import { z } from 'zod';
import { saleFlow } from './sync-flow';

/**
 * The public HTTP contract, validated the same way at the gateway (the edge) and in
 * order-service (defence in depth). Unknown fields are rejected: a typo must not be silently
 * ignored when it is a purchase.
 */
const id = z.string().min(1).max(128);
const isoTime = z.iso.datetime({ offset: true });

export const devTokenRequest = z.strictObject({
  userId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -'),
  role: z.enum(['user', 'admin']).default('user'),
});
export type DevTokenRequest = z.infer<typeof devTokenRequest>;

export const createSaleRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    /** Minor units (cents). */
    price: z.number().int().min(0).max(100_000_000),
    stock: z.number().int().min(1).max(10_000_000),
    startsAt: isoTime,
    endsAt: isoTime,
    perUserLimit: z.number().int().min(1).max(100).default(1),
    /** `sync`: the synchronous baseline (ADR 0012), for measuring the design side by side. */
    flow: saleFlow.default('events'),
  })
  .refine((sale) => Date.parse(sale.endsAt) > Date.parse(sale.startsAt), {
    message: 'must be after startsAt',
    path: ['endsAt'],
  });
export type CreateSaleRequest = z.infer<typeof createSaleRequest>;

export const saleResponse = z.object({
  id,
  name: z.string(),
  price: z.number().int(),
  stock: z.number().int(),
  remainingStock: z.number().int(),
  startsAt: isoTime,
  endsAt: isoTime,
  perUserLimit: z.number().int(),
  flow: saleFlow,
  status: z.enum(['SCHEDULED', 'OPEN', 'SOLD_OUT', 'ENDED']),
});
export type SaleResponse = z.infer<typeof saleResponse>;

export const placeOrderRequest = z.strictObject({
  quantity: z.number().int().min(1).max(100).default(1),
});
export type PlaceOrderRequest = z.infer<typeof placeOrderRequest>;

export const orderStatus = z.enum([
  'PENDING',
  'RESERVED',
  'PAID',
  'SHIPPED',
  'REJECTED',
  'CANCELLED',
  /** Terminal: inventory rejected the order, or its payment failed (order-service's read model). */
  'FAILED',
]);
export type OrderStatus = z.infer<typeof orderStatus>;

/** The statuses an order never leaves: the saga is over for it. */
export const TERMINAL_ORDER_STATUSES = [
  'SHIPPED',
  'FAILED',
  'CANCELLED',
] as const satisfies readonly OrderStatus[];
export type TerminalOrderStatus = (typeof TERMINAL_ORDER_STATUSES)[number];

/** Whether an order in `status` (as any store spells it) is done; unknown statuses are not. */
export function isTerminalOrderStatus(status: string): status is TerminalOrderStatus {
  return (TERMINAL_ORDER_STATUSES as readonly string[]).includes(status);
}

/**
 * What an entry of an order's history says happened: a status, or REFUNDED (a cancelled order's
 * late payment was refunded; the order itself stays CANCELLED).
 */
export const orderHistoryStatus = z.enum([...orderStatus.options, 'REFUNDED']);
export type OrderHistoryStatus = z.infer<typeof orderHistoryStatus>;

export const placeOrderResponse = z.object({
  orderId: id,
  status: z.literal('PENDING'),
  statusUrl: z.string(),
});
export type PlaceOrderResponse = z.infer<typeof placeOrderResponse>;

export const orderResponse = z.object({
  orderId: id,
  saleId: id,
  quantity: z.number().int(),
  status: orderStatus,
  history: z.array(
    z.object({
      status: orderHistoryStatus,
      at: isoTime,
      /** The event behind the entry (e.g. `payment.succeeded`); absent before it was consumed. */
      event: z.string().optional(),
    }),
  ),
});
export type OrderResponse = z.infer<typeof orderResponse>;

/** Optional `Idempotency-Key` header of a purchase: a replay returns the first answer. */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1-100 characters of A-Z a-z 0-9 . _ : -');

/** What happened to one of the caller's orders (notification-service, one of each per order). */
export const notificationKind = z.enum([
  'ACCEPTED',
  'REJECTED',
  'PAID',
  'FAILED',
  'SHIPPED',
  'CANCELLED',
]);
export type NotificationKind = z.infer<typeof notificationKind>;

export const notificationItem = z.object({
  /** Increasing; also the SSE event id (`Last-Event-ID`). A string: it is a 64-bit integer. */
  id: z.string().regex(/^\d+$/),
  orderId: id,
  saleId: id,
  kind: notificationKind,
  message: z.string(),
  createdAt: isoTime,
});
export type NotificationItem = z.infer<typeof notificationItem>;

export const notificationsResponse = z.object({ items: z.array(notificationItem) });
export type NotificationsResponse = z.infer<typeof notificationsResponse>;

export const NOTIFICATIONS_DEFAULT_LIMIT = 50;
export const NOTIFICATIONS_MAX_LIMIT = 200;

/** Query of `GET /api/users/me/notifications`; query values arrive as text. */
export const notificationsQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${NOTIFICATIONS_MAX_LIMIT}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, `must be a whole number from 1 to ${NOTIFICATIONS_MAX_LIMIT}`)
        .max(
          NOTIFICATIONS_MAX_LIMIT,
          `must be a whole number from 1 to ${NOTIFICATIONS_MAX_LIMIT}`,
        ),
    )
    .default(NOTIFICATIONS_DEFAULT_LIMIT),
});
export type NotificationsQuery = z.infer<typeof notificationsQuery>;

/** `Last-Event-ID` of a reconnecting SSE client: the id of the last notification it saw. */
export const lastEventIdHeader = z.string().regex(/^\d{1,18}$/, 'must be a notification id');

/** Stable `code` values of problem responses on the hot path. */
export const ProblemCode = {
  SoldOut: 'SOLD_OUT',
  /** Some stock is left, fewer units than asked for: the sale is NOT sold out. */
  InsufficientStock: 'INSUFFICIENT_STOCK',
  LimitReached: 'LIMIT_REACHED',
  /** The payment provider declined the charge (the synchronous baseline answers it at once). */
  PaymentDeclined: 'PAYMENT_DECLINED',
  /** An Idempotency-Key sent again with a different request than the first time. */
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  SaleNotOpen: 'SALE_NOT_OPEN',
  SaleNotFound: 'SALE_NOT_FOUND',
  OrderNotFound: 'ORDER_NOT_FOUND',
  RateLimited: 'RATE_LIMITED',
  ValidationFailed: 'VALIDATION_FAILED',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  UpstreamUnavailable: 'UPSTREAM_UNAVAILABLE',
  /**
   * The gateway is at its concurrency limit to order-service (or the request's deadline passed
   * before it could be admitted): nothing was admitted; retry after `Retry-After`.
   */
  Overloaded: 'OVERLOADED',
  /**
   * order-service's answer: the request's deadline had passed when admission would have run, so
   * it was not admitted. The gateway answers it as OVERLOADED.
   */
  DeadlineExceeded: 'DEADLINE_EXCEEDED',
  /**
   * The purchase reached order-service, which did not answer (it died, or answered too late):
   * the order may or may not exist. Retry with the same `Idempotency-Key` (the gateway returns
   * it in the answer's header) or list `GET /api/users/me/orders?saleId=` to settle it.
   */
  OutcomeUnknown: 'OUTCOME_UNKNOWN',
} as const;

/**
 * Headers of the hot path. The deadline is an absolute time (epoch milliseconds) set by the
 * gateway when the request arrived: the services share a clock source (NTP), and an absolute
 * time also counts the time a request spent queued in sockets before any handler saw it.
 */
export const HotPathHeader = {
  IdempotencyKey: 'idempotency-key',
  Deadline: 'x-seckill-deadline',
  /**
   * On every purchase answer of a sale of the synchronous baseline: `sync` (ADR 0012). The
   * gateway does not remember such a sale as sold out: no stock channel would tell it units came
   * back, and no Redis record would let a buyer's replay through.
   */
  Flow: 'x-seckill-flow',
} as const;

/** The deadline header's value: epoch milliseconds. */
export const deadlineHeader = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a time in epoch milliseconds')
  .transform(Number);

/** Query of `GET /api/users/me/orders`: optionally one sale's orders only. */
export const myOrdersQuery = z.strictObject({
  saleId: id.regex(/^[A-Za-z0-9_-]+$/, 'must be a sale id').optional(),
});
export type MyOrdersQuery = z.infer<typeof myOrdersQuery>;

/** `GET /api/users/me/orders`: newest first, so a client can settle an uncertain purchase. */
export const myOrdersResponse = z.object({
  items: z.array(
    z.object({
      orderId: id,
      saleId: id,
      quantity: z.number().int(),
      status: orderStatus,
      acceptedAt: isoTime,
      /** The Idempotency-Key the purchase carried (the client's, the gateway's, or the order id). */
      idempotencyKey: z.string().optional(),
    }),
  ),
});
export type MyOrdersResponse = z.infer<typeof myOrdersResponse>;

/** At most this many orders are listed (a per-user limit keeps real lists far shorter). */
export const MY_ORDERS_MAX = 200;
