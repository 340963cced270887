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
    // The lock is its own statement: a statement sees the rows committed when it started, so the
    // cancellation check must start after a concurrent cancellation has let go of the order.
    await lockOrder(tx, orderId);
    // Then the check and the intent in one statement (each Prisma call costs about 1 ms of CPU).
    const [intent] = await tx.$queryRaw<{ cancelled: string | null; created: boolean }[]>`
      WITH cancelled AS (SELECT reason FROM cancelled_orders WHERE order_id = ${orderId}),
      created AS (
        INSERT INTO payments
          (payment_id, order_id, sale_id, user_id, quantity, amount_cents, status, reason)
        SELECT ${randomUUID()}::uuid, ${orderId}, ${saleId}, ${userId}, ${quantity}, ${amountCents},
               CASE WHEN c.reason IS NULL THEN 'PENDING' ELSE 'VOIDED' END::payment_status,
               'order cancelled before payment: ' || c.reason
        FROM (SELECT 1) AS one LEFT JOIN cancelled c ON true
        ON CONFLICT DO NOTHING
        RETURNING 1
      )
      SELECT (SELECT reason FROM cancelled) AS cancelled, EXISTS (SELECT 1 FROM created) AS created`;
    if (!intent?.created) {
      this.logger.info({ eventId: event.eventId, orderId }, 'order already has a payment');
    } else if (intent.cancelled !== null) {
      this.logger.info(
        { eventId: event.eventId, orderId, reason: intent.cancelled },
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
