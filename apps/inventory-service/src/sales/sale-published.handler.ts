import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, SalePublishedV1 } from '@seckill/contracts';
import type { EventContext, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { InventoryDatabase } from '../database';

type SalePublished = EnvelopeOf<typeof SalePublishedV1>;

/**
 * `sale.published` → the sale's authoritative stock row, with everything available. The inbox
 * row is inserted in the same transaction and decides: a redelivered event (same consumer
 * group, same event id) finds its inbox row and changes nothing.
 */
@Injectable()
export class SalePublishedIntegrationEventHandler implements IntegrationEventHandler<
  typeof SalePublishedV1
> {
  readonly event = SalePublishedV1;
  private readonly logger: ServiceLogger;

  constructor(
    private readonly db: InventoryDatabase,
    logger: ServiceLogger,
  ) {
    this.logger = logger.child({ handler: 'SalePublishedIntegrationEventHandler' });
  }

  async handle(event: SalePublished, context: EventContext): Promise<void> {
    const { saleId, stock } = event.payload;
    const outcome = await this.db.$transaction(async (tx) => {
      // ON CONFLICT DO NOTHING rather than catching the unique violation: a failed statement
      // would abort the whole transaction.
      const inbox = await tx.inboxEvent.createMany({
        data: [
          {
            consumerGroup: context.consumerGroup,
            eventId: event.eventId,
            topic: context.topic,
            partition: context.partition,
            offset: BigInt(context.offset),
          },
        ],
        skipDuplicates: true,
      });
      if (inbox.count === 0) return 'duplicate' as const;
      const created = await tx.saleStock.createMany({
        data: [{ saleId, initialStock: stock, available: stock }],
        skipDuplicates: true,
      });
      return created.count === 1 ? ('created' as const) : ('exists' as const);
    });
    if (outcome === 'exists') {
      // Another event for a sale we already stock: the first one stands.
      this.logger.warn({ saleId, eventId: event.eventId }, 'sale already has a stock row');
    } else {
      this.logger.debug({ saleId, eventId: event.eventId, outcome }, 'sale.published handled');
    }
  }
}
