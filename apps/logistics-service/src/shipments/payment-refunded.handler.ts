import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, PaymentRefundedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { LogisticsTransaction } from '../database';
import { ShipmentStatus, tombstoneFor } from './shipment-status';

/**
 * `payment.refunded` → the order must not ship. Emits nothing: the catalogue has no
 * shipment-cancelled topic. Redeliveries of the same event never get here (the runner's inbox).
 *
 * Tombstone first, then the recall, and never the other way round: `payment.succeeded` travels on
 * another topic and may be handled concurrently. The tombstone insert is ON CONFLICT DO NOTHING on
 * the unique order id, so it either takes the slot (a later `payment.succeeded` then inserts
 * nothing and emits nothing) or waits for a concurrent shipment insert to commit and yields to it;
 * the conditional UPDATE that follows is a new statement (READ COMMITTED) and so sees that
 * shipment and recalls it. Checking for the shipment first could miss one committed in between.
 */
@Injectable()
export class PaymentRefundedIntegrationEventHandler implements IntegrationEventHandler<
  typeof PaymentRefundedV1,
  LogisticsTransaction
> {
  readonly event = PaymentRefundedV1;
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ handler: 'PaymentRefundedIntegrationEventHandler' });
  }

  async handle(
    event: EnvelopeOf<typeof PaymentRefundedV1>,
    { tx }: HandlerScope<LogisticsTransaction>,
  ): Promise<void> {
    const { orderId, paymentId } = event.payload;
    const now = new Date();
    const tombstone = await tx.shipment.createMany({
      data: [tombstoneFor(event.payload, randomUUID(), now)],
      skipDuplicates: true,
    });
    if (tombstone.count === 1) {
      this.logger.info(
        { eventId: event.eventId, orderId, paymentId },
        'refund before any shipment: tombstone written, the order will not ship',
      );
      return;
    }
    // Conditional: only a CREATED shipment moves, so a second refund event changes nothing.
    const recalled = await tx.shipment.updateMany({
      where: { orderId, status: ShipmentStatus.Created },
      data: { status: ShipmentStatus.Cancelled, cancelledAt: now },
    });
    if (recalled.count === 1) {
      this.logger.info({ eventId: event.eventId, orderId, paymentId }, 'shipment recalled');
    } else {
      this.logger.info(
        { eventId: event.eventId, orderId, paymentId },
        'shipment already cancelled',
      );
    }
  }
}
