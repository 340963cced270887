import { z } from 'zod';
import { defineEvent } from '../envelope';
import { Topic } from '../topics';

/**
 * Version 1 of the lifecycle events. A breaking change is a new file (`lifecycle.v2.ts`) with
 * new definitions next to these, never an edit of them: see libs/contracts/README.md.
 * Money is in minor units (cents) so no float ever reaches a ledger.
 */
const id = z.string().min(1).max(128);
const quantity = z.number().int().min(1).max(100);
const cents = z.number().int().min(0);
const timestamp = z.iso.datetime({ offset: true });

export const SalePublishedV1 = defineEvent({
  type: 'sale.published',
  version: 1,
  topic: Topic.SalePublished,
  payload: z.object({
    saleId: id,
    name: z.string().min(1).max(200),
    priceCents: cents,
    stock: z.number().int().min(0),
    startsAt: timestamp,
    endsAt: timestamp,
    perUserLimit: z.number().int().min(1),
  }),
  keyOf: (p) => p.saleId,
});

const orderRef = { orderId: id, saleId: id, userId: id, quantity };

export const OrderCreatedV1 = defineEvent({
  type: 'order.created',
  version: 1,
  topic: Topic.OrderCreated,
  payload: z.object({
    ...orderRef,
    /** The client's Idempotency-Key (or one derived by order-service); travels downstream. */
    idempotencyKey: z.string().min(1).max(200),
    priceCents: cents,
    acceptedAt: timestamp,
  }),
  keyOf: (p) => p.orderId,
});

export const OrderCancelledV1 = defineEvent({
  type: 'order.cancelled',
  version: 1,
  topic: Topic.OrderCancelled,
  payload: z.object({
    ...orderRef,
    reason: z.enum(['PAYMENT_DEADLINE_EXPIRED', 'USER_CANCELLED']),
  }),
  keyOf: (p) => p.orderId,
});

export const InventoryReservedV1 = defineEvent({
  type: 'inventory.reserved',
  version: 1,
  topic: Topic.InventoryReserved,
  payload: z.object({ ...orderRef, reservationId: id, amountCents: cents }),
  keyOf: (p) => p.orderId,
});

export const InventoryRejectedV1 = defineEvent({
  type: 'inventory.rejected',
  version: 1,
  topic: Topic.InventoryRejected,
  payload: z.object({ ...orderRef, reason: z.enum(['OUT_OF_STOCK', 'UNKNOWN_SALE']) }),
  keyOf: (p) => p.orderId,
});

export const InventoryReleasedV1 = defineEvent({
  type: 'inventory.released',
  version: 1,
  topic: Topic.InventoryReleased,
  payload: z.object({ ...orderRef, reason: z.enum(['PAYMENT_FAILED', 'ORDER_CANCELLED']) }),
  keyOf: (p) => p.orderId,
});

export const PaymentSucceededV1 = defineEvent({
  type: 'payment.succeeded',
  version: 1,
  topic: Topic.PaymentSucceeded,
  payload: z.object({ ...orderRef, paymentId: id, amountCents: cents }),
  keyOf: (p) => p.orderId,
});

export const PaymentFailedV1 = defineEvent({
  type: 'payment.failed',
  version: 1,
  topic: Topic.PaymentFailed,
  payload: z.object({ ...orderRef, reason: z.string().min(1).max(500) }),
  keyOf: (p) => p.orderId,
});

export const PaymentRefundedV1 = defineEvent({
  type: 'payment.refunded',
  version: 1,
  topic: Topic.PaymentRefunded,
  payload: z.object({ ...orderRef, paymentId: id, amountCents: cents, reason: z.string().min(1) }),
  keyOf: (p) => p.orderId,
});

export const ShipmentCreatedV1 = defineEvent({
  type: 'shipment.created',
  version: 1,
  topic: Topic.ShipmentCreated,
  payload: z.object({ ...orderRef, shipmentId: id, trackingNumber: z.string().min(1).max(64) }),
  keyOf: (p) => p.orderId,
});
