import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, OrderCancelledV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { InventoryTransaction } from '../database';
import { ReservationReleaser } from './release.service';

/** `order.cancelled` → the order's units go back to the sale, once (see ReservationReleaser). */
@Injectable()
export class OrderCancelledIntegrationEventHandler implements IntegrationEventHandler<
  typeof OrderCancelledV1,
  InventoryTransaction
> {
  readonly event = OrderCancelledV1;

  private readonly releaser: ReservationReleaser;

  constructor(logger: ServiceLogger) {
    this.releaser = new ReservationReleaser(
      logger.child({ handler: 'OrderCancelledIntegrationEventHandler' }),
    );
  }

  async handle(
    event: EnvelopeOf<typeof OrderCancelledV1>,
    { tx, outbox }: HandlerScope<InventoryTransaction>,
  ): Promise<void> {
    await this.releaser.release(tx, outbox, event.eventId, event.payload, 'ORDER_CANCELLED');
  }
}
