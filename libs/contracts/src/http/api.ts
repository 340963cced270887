import { z } from 'zod';

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
} as const;
