/**
 * The pure rule of a repeated synchronous shipment (the baseline of ADR 0012), kept apart from the
 * SQL so it can be unit-tested: what a ship call answers when the order already has a shipment.
 */
import { ProblemCode, type SyncShipRequest } from '@seckill/contracts';
import { ShipmentStatus } from '../shipments/shipment-status';

/**
 * The code of a 409 for an order whose shipment was cancelled: the kit's own code for a 409, as
 * the contract names no more specific one.
 */
export const ORDER_SETTLED = 'CONFLICT';

/** The order's shipment row, as far as the rule looks at it. */
export interface KnownShipment {
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly trackingNumber: string | null;
  readonly status: string;
}

export type ShipOutcome =
  | { readonly kind: 'shipped'; readonly trackingNumber: string }
  | {
      readonly kind: 'refused';
      readonly status: 409;
      readonly code: string;
      readonly detail: string;
    };

/**
 * A shipment that exists answers with itself (the first tracking number: a retried call gets the
 * first answer); a cancelled one (a recall, or the tombstone of a refund that came first) ships
 * nothing again; the order id with another sale, buyer or quantity is another request.
 */
export function answerForExisting(request: SyncShipRequest, shipment: KnownShipment): ShipOutcome {
  const { orderId } = request;
  if (shipment.status !== ShipmentStatus.Created || shipment.trackingNumber === null) {
    return {
      kind: 'refused',
      status: 409,
      code: ORDER_SETTLED,
      detail: `The shipment of order ${orderId} is ${shipment.status}.`,
    };
  }
  if (
    shipment.saleId !== request.saleId ||
    shipment.userId !== request.userId ||
    shipment.quantity !== request.quantity
  ) {
    return {
      kind: 'refused',
      status: 409,
      code: ProblemCode.IdempotencyKeyReused,
      detail: `Order ${orderId} was shipped with another sale, buyer or quantity.`,
    };
  }
  return { kind: 'shipped', trackingNumber: shipment.trackingNumber };
}
