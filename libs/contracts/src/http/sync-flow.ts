import { z } from 'zod';

/**
 * The synchronous baseline (ADR 0012): the source document's "before" architecture, kept as a
 * mode of the same shop so the two designs can be measured side by side. A sale created with
 * `flow: "sync"` is sold by order-service calling inventory, payment and logistics one after the
 * other over HTTP, the buyer waiting for the whole chain, with stock deducted in PostgreSQL
 * under the sale's row lock. Nothing of it goes through Redis or Kafka.
 *
 * These routes are internal: the gateway never forwards them, and they write the same effect
 * rows the event-driven consumers write (so `npm run verify` judges both designs by the same
 * rules), but no outbox row, so no consumer of the event-driven saga ever sees a sync order.
 */
export const SaleFlow = {
  /** Redis admission, 202 at once, the saga over Kafka (the design this project is about). */
  Events: 'events',
  /** The baseline: PostgreSQL stock and synchronous HTTP calls, 201 once shipped. */
  Sync: 'sync',
} as const;
export const saleFlow = z.enum([SaleFlow.Events, SaleFlow.Sync]);
export type SaleFlowName = z.infer<typeof saleFlow>;

/** Paths of the internal calls; `:orderId` is the order's id. All are POST. */
export const SyncRoute = {
  /** inventory-service: take the units under the sale's row lock. */
  Reserve: '/internal/sync/reservations',
  /** inventory-service: give the order's units back (a compensation); idempotent. */
  Release: '/internal/sync/reservations/:orderId/release',
  /** payment-service: charge the provider and record the payment. */
  Charge: '/internal/sync/payments',
  /** payment-service: refund a captured payment, or void one never taken (a compensation). */
  Refund: '/internal/sync/payments/:orderId/refund',
  /** logistics-service: create the shipment. */
  Ship: '/internal/sync/shipments',
} as const;

/** A path of `SyncRoute` with its order id filled in. */
export function syncPath(route: string, orderId: string): string {
  return route.replace(':orderId', encodeURIComponent(orderId));
}

const id = z.string().min(1).max(128);
const units = z.number().int().min(1).max(100);
const cents = z.number().int().min(0);

/**
 * `POST /internal/sync/reservations`: 201 when the units are taken (or were, for a repeated
 * order id), 409 problem `SOLD_OUT`, `INSUFFICIENT_STOCK` or `LIMIT_REACHED` when they cannot be
 * (nothing written), 404 `SALE_NOT_FOUND` when the sale has no stock row yet.
 */
export const syncReserveRequest = z.strictObject({
  orderId: id,
  saleId: id,
  userId: id,
  quantity: units,
  /** The sale's limit per buyer, counted over the buyer's RESERVED reservations. */
  perUserLimit: units,
  idempotencyKey: id,
  priceCents: cents,
});
export type SyncReserveRequest = z.infer<typeof syncReserveRequest>;

export const syncReserveResponse = z.object({
  orderId: id,
  reservationId: z.string(),
  status: z.literal('RESERVED'),
});
export type SyncReserveResponse = z.infer<typeof syncReserveResponse>;

/**
 * The body of a compensation (release, refund): whose order it is, so that a tombstone (the
 * row left for an order compensated before its step ever happened) names its sale and buyer.
 * Read leniently by the callee: a compensation is never refused for its body.
 */
export const syncCompensationRequest = z.object({ saleId: id, userId: id }).partial();
export type SyncCompensationRequest = z.infer<typeof syncCompensationRequest>;

/** `POST …/release`: 200; an order never reserved gets a tombstone, so a late reserve fails. */
export const syncReleaseResponse = z.object({
  orderId: id,
  status: z.literal('RELEASED'),
});
export type SyncReleaseResponse = z.infer<typeof syncReleaseResponse>;

/**
 * `POST /internal/sync/payments`: 201 when captured (or already was), 402 problem
 * `PAYMENT_DECLINED` when the provider declined (a DECLINED payment row), 504 problem
 * `UPSTREAM_UNAVAILABLE` when the provider never answered within the attempts (the payment
 * row stays PENDING until a refund call settles it).
 */
export const syncChargeRequest = z.strictObject({
  orderId: id,
  saleId: id,
  userId: id,
  quantity: units,
  amountCents: cents,
});
export type SyncChargeRequest = z.infer<typeof syncChargeRequest>;

export const syncChargeResponse = z.object({
  orderId: id,
  status: z.literal('CAPTURED'),
});
export type SyncChargeResponse = z.infer<typeof syncChargeResponse>;

/** `POST …/refund`: 200; REFUNDED when money was taken, VOIDED when none was (a tombstone). */
export const syncRefundResponse = z.object({
  orderId: id,
  status: z.enum(['REFUNDED', 'VOIDED']),
});
export type SyncRefundResponse = z.infer<typeof syncRefundResponse>;

/** `POST /internal/sync/shipments`: 201 with the shipment (the first one, for a repeated id). */
export const syncShipRequest = z.strictObject({
  orderId: id,
  saleId: id,
  userId: id,
  quantity: units,
});
export type SyncShipRequest = z.infer<typeof syncShipRequest>;

export const syncShipResponse = z.object({
  orderId: id,
  trackingNumber: z.string(),
  status: z.literal('CREATED'),
});
export type SyncShipResponse = z.infer<typeof syncShipResponse>;

/**
 * What a buyer of a sync sale hears: 201 once the whole chain ran (the order SHIPPED). A refusal
 * is a problem answer, like on the event-driven route.
 */
export const syncOrderResponse = z.object({
  orderId: id,
  status: z.literal('SHIPPED'),
  statusUrl: z.string(),
  trackingNumber: z.string(),
});
export type SyncOrderResponse = z.infer<typeof syncOrderResponse>;
