import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, InventoryReservedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { lockOrder, type PaymentTransaction } from '../database';

type InventoryReserved = EnvelopeOf<typeof InventoryReservedV1>;

/**
 * `inventory.reserved` → the payment intent, and nothing else: no provider call in the
 * transaction. Under the order's lock (see `lockOrder`):
 * - an order already cancelled is never charged: a VOIDED row, no event (inventory-service
 *   releases the stock on the cancellation itself);
 * - otherwise a PENDING row, idempotency key = order id (unique). The `PaymentCapturer` calls the
 *   provider after the commit, many orders at once, and records the result in a second
 *   transaction with the event.
 * A redelivery finds the row and changes nothing.
 */
@Injectable()
export class InventoryReservedIntegrationEventHandler implements IntegrationEventHandler<
  typeof InventoryReservedV1,
  PaymentTransaction
> {
  readonly event = InventoryReservedV1;
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ handler: 'InventoryReservedIntegrationEventHandler' });
  }

  async handle(event: InventoryReserved, { tx }: HandlerScope<PaymentTransaction>): Promise<void> {
    const { orderId, saleId, userId, quantity, amountCents } = event.payload;
    await lockOrder(tx, orderId);
    const cancelled = await tx.cancelledOrder.findUnique({ where: { orderId } });
    const status = cancelled ? 'VOIDED' : 'PENDING';
    const reason = cancelled ? `order cancelled before payment: ${cancelled.reason}` : null;
    const created = await tx.payment.createMany({
      data: [
        { paymentId: randomUUID(), orderId, saleId, userId, quantity, amountCents, status, reason },
      ],
      skipDuplicates: true,
    });
    if (created.count === 0) {
      this.logger.info({ eventId: event.eventId, orderId }, 'order already has a payment');
    } else if (cancelled) {
      this.logger.info(
        { eventId: event.eventId, orderId, reason: cancelled.reason },
        'order already cancelled: not charged',
      );
    } else {
      this.logger.debug(
        { eventId: event.eventId, orderId, amountCents },
        'payment intent recorded',
      );
    }
  }
}
