import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, PaymentSucceededV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { LogisticsTransaction } from '../database';
import { ShipmentWriter } from './shipment-writer';
import { trackingNumberFor } from './tracking-number';

/**
 * `payment.succeeded` → one shipment per order and `shipment.created`. The handler stages the
 * shipment; the `ShipmentWriter` creates a chunk's shipments at once and announces only those it
 * created: another event for an order that already ships (a second payment.succeeded with its own
 * event id), or a refunded order whose `payment.refunded` got here first (its CANCELLED tombstone
 * holds the order id), creates nothing and emits nothing.
 * Redeliveries of the same event never get here (the runner's inbox).
 */
@Injectable()
export class PaymentSucceededIntegrationEventHandler implements IntegrationEventHandler<
  typeof PaymentSucceededV1,
  LogisticsTransaction
> {
  readonly event = PaymentSucceededV1;
  private readonly logger: ServiceLogger;

  constructor(
    logger: ServiceLogger,
    private readonly writer: ShipmentWriter,
  ) {
    this.logger = logger.child({ handler: 'PaymentSucceededIntegrationEventHandler' });
  }

  async handle(
    event: EnvelopeOf<typeof PaymentSucceededV1>,
    scope: HandlerScope<LogisticsTransaction>,
  ): Promise<void> {
    const { orderId, saleId, userId, quantity, paymentId } = event.payload;
    const shipmentId = randomUUID();
    scope.stage(this.writer, {
      eventId: event.eventId,
      shipmentId,
      trackingNumber: trackingNumberFor(shipmentId),
      orderId,
      saleId,
      userId,
      quantity,
      paymentId,
    });
    // Whether it is new is known once the writer ran; it logs that.
    this.logger.debug({ eventId: event.eventId, orderId, shipmentId }, 'shipment staged');
  }
}
