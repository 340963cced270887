import { createEvent, OrderCreatedV1, type PayloadOf } from '@seckill/contracts';

export type OrderCreatedPayload = PayloadOf<typeof OrderCreatedV1>;

/**
 * An order.created payload with plain values, for unit tests of what carries, stores or routes
 * events; a test overrides only the fields it is about.
 */
export function orderCreatedPayload(
  overrides: Partial<OrderCreatedPayload> = {},
): OrderCreatedPayload {
  return {
    orderId: 'o-1',
    saleId: 's-1',
    userId: 'u-1',
    quantity: 1,
    idempotencyKey: 'k-1',
    priceCents: 100,
    acceptedAt: new Date(0).toISOString(),
    ...overrides,
  };
}

/** `orderCreatedPayload(overrides)` as a fresh order.created event (its own event id). */
export function orderCreatedEvent(overrides: Partial<OrderCreatedPayload> = {}) {
  return createEvent(OrderCreatedV1, orderCreatedPayload(overrides));
}
