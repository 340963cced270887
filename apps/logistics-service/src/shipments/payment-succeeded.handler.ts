import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, PaymentSucceededV1, ShipmentCreatedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { LogisticsTransaction } from '../database';
import { ShipmentStatus } from './shipment-status';
import { trackingNumberFor } from './tracking-number';

/**
 * `payment.succeeded` → one shipment per order and `shipment.created`. The insert is
 * ON CONFLICT DO NOTHING on the order id (unique): another event for an order that already
 * ships (a second payment.succeeded with its own event id) creates nothing and emits nothing.
 * The same holds for a refunded order whose `payment.refunded` got here first: its CANCELLED
 * tombstone holds the order id, so no shipment and no `shipment.created`.
 * Redeliveries of the same event never get here (the runner's inbox).
 */
@Injectable()
export class PaymentSucceededIntegrationEventHandler implements IntegrationEventHandler<
  typeof PaymentSucceededV1,
  LogisticsTransaction
> {
  readonly event = PaymentSucceededV1;
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ handler: 'PaymentSucceededIntegrationEventHandler' });
  }

  async handle(
    event: EnvelopeOf<typeof PaymentSucceededV1>,
    { tx, outbox }: HandlerScope<LogisticsTransaction>,
  ): Promise<void> {
    const { orderId, saleId, userId, quantity, paymentId } = event.payload;
    const shipmentId = randomUUID();
    const trackingNumber = trackingNumberFor(shipmentId);
    const created = await tx.shipment.createMany({
      data: [
        {
          shipmentId,
          orderId,
          saleId,
          userId,
          quantity,
          paymentId,
          trackingNumber,
          status: ShipmentStatus.Created,
        },
      ],
      skipDuplicates: true,
    });
    if (created.count === 0) {
      this.logger.info(
        { eventId: event.eventId, orderId },
        'order already has a shipment, or was refunded before (tombstone): nothing to ship',
      );
      return;
    }
    outbox.add(ShipmentCreatedV1, {
      orderId,
      saleId,
      userId,
      quantity,
      shipmentId,
      trackingNumber,
    });
    this.logger.debug({ eventId: event.eventId, orderId, shipmentId }, 'shipment created');
  }
}
