import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, OrderCreatedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { InventoryTransaction } from '../database';
import { ReservationWriter } from './reservation-writer';

type OrderCreated = EnvelopeOf<typeof OrderCreatedV1>;

/**
 * `order.created` → reserve the order's units of the authoritative stock, or reject the order.
 * The handler stages the request; the `ReservationWriter` decides a chunk's orders at once, in
 * the runner's transaction (the inbox rows already in it), as one conditional decrement per order
 * in event order would: claim the order (its reservation row, order id primary key), take the
 * units if they are still there, log it, and emit `inventory.reserved` or `inventory.rejected`.
 * A sale with no stock row yet is retried; a second order under one buyer's idempotency key is
 * dead-lettered (see the writer).
 */
@Injectable()
export class OrderCreatedIntegrationEventHandler implements IntegrationEventHandler<
  typeof OrderCreatedV1,
  InventoryTransaction
> {
  readonly event = OrderCreatedV1;
  private readonly logger: ServiceLogger;

  constructor(
    logger: ServiceLogger,
    private readonly writer: ReservationWriter,
  ) {
    this.logger = logger.child({ handler: 'OrderCreatedIntegrationEventHandler' });
  }

  async handle(event: OrderCreated, scope: HandlerScope<InventoryTransaction>): Promise<void> {
    const { orderId, saleId, userId, quantity, idempotencyKey, priceCents } = event.payload;
    scope.stage(this.writer, {
      eventId: event.eventId,
      orderId,
      saleId,
      userId,
      quantity,
      idempotencyKey,
      priceCents,
    });
    // What became of it is known once the writer ran; it logs that.
    this.logger.debug({ eventId: event.eventId, orderId, saleId, quantity }, 'reservation staged');
  }
}
