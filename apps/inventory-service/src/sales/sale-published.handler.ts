import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, SalePublishedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { InventoryTransaction } from '../database';

type SalePublished = EnvelopeOf<typeof SalePublishedV1>;

/**
 * `sale.published` → the sale's authoritative stock row, with everything available. The runner
 * has recorded the event in the inbox in the same transaction, so a redelivery never gets here.
 */
@Injectable()
export class SalePublishedIntegrationEventHandler implements IntegrationEventHandler<
  typeof SalePublishedV1,
  InventoryTransaction
> {
  readonly event = SalePublishedV1;
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ handler: 'SalePublishedIntegrationEventHandler' });
  }

  async handle(event: SalePublished, { tx }: HandlerScope<InventoryTransaction>): Promise<void> {
    const { saleId, stock } = event.payload;
    // skipDuplicates (ON CONFLICT DO NOTHING) rather than catching the unique violation: a
    // failed statement would abort the whole transaction.
    const created = await tx.saleStock.createMany({
      data: [{ saleId, initialStock: stock, available: stock }],
      skipDuplicates: true,
    });
    if (created.count === 0) {
      // Another event for a sale we already stock: the first one stands.
      this.logger.warn({ saleId, eventId: event.eventId }, 'sale already has a stock row');
    } else {
      this.logger.debug({ saleId, eventId: event.eventId }, 'sale stock row created');
    }
  }
}
