import { z } from 'zod';
import { orderStatus, type OrderResponse } from '@seckill/contracts';

/**
 * An order as the sale's `orders` hash keeps it (JSON, written by the admission script): what
 * `GET /api/orders/:id` answers until the order reaches the Postgres read model (always PENDING).
 */
export const orderSummary = z.object({
  orderId: z.string(),
  saleId: z.string(),
  userId: z.string(),
  quantity: z.number().int(),
  status: orderStatus,
  history: z.array(z.object({ status: orderStatus, at: z.string() })),
});
export type OrderSummary = z.infer<typeof orderSummary>;

export function pendingOrder(
  order: Pick<OrderSummary, 'orderId' | 'saleId' | 'userId' | 'quantity'>,
  acceptedAt: string,
): OrderSummary {
  return {
    orderId: order.orderId,
    saleId: order.saleId,
    userId: order.userId,
    quantity: order.quantity,
    status: 'PENDING',
    history: [{ status: 'PENDING', at: acceptedAt }],
  };
}

/** What the owner sees: everything but the user id (the caller knows who they are). */
export function toOrderResponse(summary: OrderSummary): OrderResponse {
  return {
    orderId: summary.orderId,
    saleId: summary.saleId,
    quantity: summary.quantity,
    status: summary.status,
    history: summary.history,
  };
}
