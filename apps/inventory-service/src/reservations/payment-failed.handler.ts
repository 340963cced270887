import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, PaymentFailedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { InventoryTransaction } from '../database';
import { ReservationReleaser } from './release.service';

/** `payment.failed` → the order's units go back to the sale, once (see ReservationReleaser). */
@Injectable()
export class PaymentFailedIntegrationEventHandler implements IntegrationEventHandler<
  typeof PaymentFailedV1,
  InventoryTransaction
> {
  readonly event = PaymentFailedV1;

  private readonly releaser: ReservationReleaser;

  constructor(logger: ServiceLogger) {
    this.releaser = new ReservationReleaser(
      logger.child({ handler: 'PaymentFailedIntegrationEventHandler' }),
    );
  }

  async handle(
    event: EnvelopeOf<typeof PaymentFailedV1>,
    { tx, outbox }: HandlerScope<InventoryTransaction>,
  ): Promise<void> {
    await this.releaser.release(tx, outbox, event.eventId, event.payload, 'PAYMENT_FAILED');
  }
}
