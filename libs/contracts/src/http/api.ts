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
]);
export type OrderStatus = z.infer<typeof orderStatus>;

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
  history: z.array(z.object({ status: orderStatus, at: isoTime })),
});
export type OrderResponse = z.infer<typeof orderResponse>;

/** Optional `Idempotency-Key` header of a purchase: a replay returns the first answer. */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1-100 characters of A-Z a-z 0-9 . _ : -');

/** Stable `code` values of problem responses on the hot path. */
export const ProblemCode = {
  SoldOut: 'SOLD_OUT',
  /** Some stock is left, fewer units than asked for: the sale is NOT sold out. */
  InsufficientStock: 'INSUFFICIENT_STOCK',
  LimitReached: 'LIMIT_REACHED',
  SaleNotOpen: 'SALE_NOT_OPEN',
  SaleNotFound: 'SALE_NOT_FOUND',
  OrderNotFound: 'ORDER_NOT_FOUND',
  RateLimited: 'RATE_LIMITED',
  ValidationFailed: 'VALIDATION_FAILED',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  UpstreamUnavailable: 'UPSTREAM_UNAVAILABLE',
} as const;
