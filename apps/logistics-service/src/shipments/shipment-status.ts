import type { EnvelopeOf, PaymentRefundedV1 } from '@seckill/contracts';

/** The `shipments.status` values (plain text in the database, no CHECK constraint). */
export const ShipmentStatus = {
  /** Shipping: created by `payment.succeeded`. */
  Created: 'CREATED',
  /** The order's payment was refunded: a recalled shipment, or a tombstone that never shipped. */
  Cancelled: 'CANCELLED',
} as const;

export type ShipmentStatus = (typeof ShipmentStatus)[keyof typeof ShipmentStatus];

export function isShipmentStatus(value: string): value is ShipmentStatus {
  return value === ShipmentStatus.Created || value === ShipmentStatus.Cancelled;
}

/** The columns of a CANCELLED tombstone row, for a refund that arrived before any shipment. */
export interface ShipmentTombstone {
  readonly shipmentId: string;
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly paymentId: string;
  readonly trackingNumber: null;
  readonly status: typeof ShipmentStatus.Cancelled;
  readonly cancelledAt: Date;
}

/**
 * The tombstone for a refunded order that has no shipment yet: the order's own data from the
 * refund, the refunded payment, and no tracking number (nothing was ever labelled). Its only job
 * is to hold the order id's unique slot so a late `payment.succeeded` inserts nothing.
 */
export function tombstoneFor(
  payload: EnvelopeOf<typeof PaymentRefundedV1>['payload'],
  shipmentId: string,
  cancelledAt: Date,
): ShipmentTombstone {
  return {
    shipmentId,
    orderId: payload.orderId,
    saleId: payload.saleId,
    userId: payload.userId,
    quantity: payload.quantity,
    paymentId: payload.paymentId,
    trackingNumber: null,
    status: ShipmentStatus.Cancelled,
    cancelledAt,
  };
}
