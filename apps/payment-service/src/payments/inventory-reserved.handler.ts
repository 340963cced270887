import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, InventoryReservedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { currentTraceparent, ServiceLogger } from '@seckill/observability';
import type { PaymentTransaction } from '../database';
import { PaymentIntentWriter } from './payment-intent-writer';

type InventoryReserved = EnvelopeOf<typeof InventoryReservedV1>;

/**
 * `inventory.reserved` → the payment intent, and nothing else: no provider call in the
 * transaction. The handler stages the request; the `PaymentIntentWriter` records a chunk's
 * intents at once, under the orders' locks: PENDING (charged by the `PaymentCapturer` after the
 * commit, idempotency key = order id), VOIDED if the order was cancelled first, unchanged on a
 * redelivery.
 */
@Injectable()
export class InventoryReservedIntegrationEventHandler implements IntegrationEventHandler<
  typeof InventoryReservedV1,
  PaymentTransaction
> {
  readonly event = InventoryReservedV1;
  private readonly logger: ServiceLogger;

  constructor(
    logger: ServiceLogger,
    private readonly writer: PaymentIntentWriter,
  ) {
    this.logger = logger.child({ handler: 'InventoryReservedIntegrationEventHandler' });
  }

  async handle(event: InventoryReserved, scope: HandlerScope<PaymentTransaction>): Promise<void> {
    const { orderId, saleId, userId, quantity, amountCents } = event.payload;
    const request = {
      eventId: event.eventId,
      orderId,
      saleId,
      userId,
      quantity,
      amountCents,
      // The capture runs later, outside this transaction: the intent carries the trace on.
      traceContext: currentTraceparent(),
    };
    scope.stage(this.writer, request);
    // What became of it is known once the writer ran; it logs that.
    this.logger.debug({ eventId: event.eventId, orderId }, 'payment intent staged');
  }
}
