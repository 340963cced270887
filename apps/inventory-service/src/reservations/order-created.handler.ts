import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  type EnvelopeOf,
  InventoryRejectedV1,
  InventoryReservedV1,
  OrderCreatedV1,
} from '@seckill/contracts';
import {
  type HandlerScope,
  type IntegrationEventHandler,
  NonRetriableError,
  RetriableError,
} from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import type { InventoryTransaction } from '../database';
import { amountCents } from './reservation-rules';

type OrderCreated = EnvelopeOf<typeof OrderCreatedV1>;

/**
 * `order.created` → reserve the order's units of the authoritative stock, or reject the order.
 *
 * In the runner's transaction (the inbox row is already in it), 1 and 2 in one statement:
 *   1. claim the order: INSERT its reservation row ON CONFLICT DO NOTHING. The primary key
 *      (order id) makes every later decision for the order see this one; a tombstone left by a
 *      release that overtook this event makes the claim fail, so nothing is reserved;
 *   2. one conditional UPDATE takes the units only if they are there (`available >= q`), so
 *      concurrent orders can never drive `available` below zero;
 *   3. the log row and `inventory.reserved` (or the row turned REJECTED and
 *      `inventory.rejected`). Order-service admitted the order against Redis, so a rejection
 *      means Redis and PostgreSQL disagree: it is counted and logged as a mismatch.
 * A sale with no stock row yet is not a rejection: `sale.published` travels on another topic and
 * can arrive after the sale's first orders (a backlog on this group, a restart). The event is
 * retried (retry topics, 1 s / 5 s / 30 s); if the sale never comes, it ends in the dead-letter
 * topic, to be re-driven once the sale is there (`npm run dlq -- redrive order.created`).
 */
@Injectable()
export class OrderCreatedIntegrationEventHandler implements IntegrationEventHandler<
  typeof OrderCreatedV1,
  InventoryTransaction
> {
  readonly event = OrderCreatedV1;
  private readonly logger: ServiceLogger;
  private readonly mismatches;

  constructor(logger: ServiceLogger, metrics: MetricsRegistry) {
    this.logger = logger.child({ handler: 'OrderCreatedIntegrationEventHandler' });
    this.mismatches = metrics.counter(
      'seckill_inventory_mismatch_total',
      'Orders admitted against Redis that PostgreSQL could not reserve (Redis/DB mismatch)',
      ['reason'],
    );
  }

  async handle(
    event: OrderCreated,
    { tx, outbox }: HandlerScope<InventoryTransaction>,
  ): Promise<void> {
    const { orderId, saleId, userId, quantity, idempotencyKey } = event.payload;
    const reservationId = randomUUID();
    // Steps 1 and 2, and the log row when the units were taken, in one statement: it runs for
    // every order of a sale, and each Prisma call costs about 1 ms of CPU (docs/benchmarks.md).
    // The UPDATE takes the units only if this event made the claim; its row lock orders
    // concurrent reservations of the sale and each sees the stock the previous one left.
    const [decision] = await tx.$queryRaw<{ claimed: boolean; taken: boolean }[]>`
      WITH claim AS (
        INSERT INTO reservations
          (order_id, reservation_id, sale_id, user_id, quantity, status, idempotency_key)
        VALUES (${orderId}, ${reservationId}::uuid, ${saleId}, ${userId}, ${quantity},
                'RESERVED', ${idempotencyKey})
        ON CONFLICT DO NOTHING
        RETURNING order_id
      ), taken AS (
        UPDATE sale_stock
        SET available = available - ${quantity}, reserved = reserved + ${quantity},
            updated_at = now()
        WHERE sale_id = ${saleId} AND available >= ${quantity} AND EXISTS (SELECT 1 FROM claim)
        RETURNING sale_id
      ), logged AS (
        INSERT INTO inventory_log (order_id, sale_id, delta, kind, event_id)
        SELECT ${orderId}, ${saleId}, ${-quantity}, 'RESERVE'::inventory_log_kind,
               ${event.eventId}::uuid
        FROM taken
      )
      SELECT EXISTS (SELECT 1 FROM claim) AS claimed, EXISTS (SELECT 1 FROM taken) AS taken`;
    if (!decision?.claimed) {
      await this.alreadyDecided(event, tx);
      return;
    }

    if (decision.taken) {
      outbox.add(InventoryReservedV1, {
        orderId,
        saleId,
        userId,
        quantity,
        reservationId,
        amountCents: amountCents(event.payload.priceCents, quantity),
      });
      this.logger.debug({ eventId: event.eventId, orderId, saleId, quantity }, 'stock reserved');
      return;
    }

    const stocked = (await tx.saleStock.count({ where: { saleId } })) > 0;
    if (!stocked) {
      // Rolls the claim back with the transaction: the retry starts from scratch.
      throw new RetriableError(`sale ${saleId} has no stock row yet (sale.published not applied)`);
    }
    const reason = 'OUT_OF_STOCK';
    await tx.reservation.update({ where: { orderId }, data: { status: 'REJECTED', reason } });
    await tx.inventoryLog.create({
      data: { orderId, saleId, delta: 0, kind: 'REJECT', eventId: event.eventId },
    });
    outbox.add(InventoryRejectedV1, { orderId, saleId, userId, quantity, reason });
    // Counted inside the transaction: a rolled-back attempt that is retried counts again. Rare
    // enough (a database error after this line) for an alerting counter.
    this.mismatches.inc({ reason });
    this.logger.warn(
      { eventId: event.eventId, orderId, saleId, quantity, reason },
      'order admitted by Redis but not reservable in PostgreSQL (Redis/DB mismatch)',
    );
  }

  /** The order already has a row (or its idempotency key belongs to another order). */
  private async alreadyDecided(event: OrderCreated, tx: InventoryTransaction): Promise<void> {
    const { orderId, saleId, userId, idempotencyKey } = event.payload;
    const existing = await tx.reservation.findUnique({ where: { orderId } });
    if (existing) {
      // A tombstone (cancelled before it was reserved: its release already went out) or the
      // order's decision from an earlier event: either way, nothing more to do.
      this.logger.info(
        {
          eventId: event.eventId,
          orderId,
          status: existing.status,
          tombstone: existing.quantity === 0,
        },
        'order already decided; order.created ignored',
      );
      return;
    }
    // Another order of the same user and sale carries this idempotency key: order-service
    // admitted one client request twice. Taking stock again would oversell the buyer's limit;
    // rejecting would guess. An operator decides (dead-letter topic, with this reason).
    throw new NonRetriableError(
      `idempotency key of order ${orderId} (sale ${saleId}, user ${userId}) already reserved another order: ${idempotencyKey}`,
      'DUPLICATE_IDEMPOTENCY_KEY',
    );
  }
}
