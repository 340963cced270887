import { randomUUID } from 'node:crypto';
import { type EnvelopeOf, InventoryReleasedV1, OrderCancelledV1 } from '@seckill/contracts';
import type { Outbox } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { InventoryTransaction } from '../database';
import { releaseReserved } from './release-reserved';
import type { ReleaseReason } from './reservation-rules';

/** The order fields every lifecycle event carries (orderRef in the contracts). */
type OrderRef = Pick<
  EnvelopeOf<typeof OrderCancelledV1>['payload'],
  'orderId' | 'saleId' | 'userId' | 'quantity'
>;

export type ReleaseOutcome = 'released' | 'tombstone' | 'nothing';

/**
 * Gives an order's units back, exactly once, whichever event asks first (`payment.failed` or
 * `order.cancelled`), and whatever order the order's events arrive in across topics.
 *
 * - RESERVED → RELEASED by one conditional UPDATE (`WHERE status = 'RESERVED'`), then
 *   `available += q, released += q` (conservation holds at every commit) and
 *   `inventory.released`. A second release finds nothing RESERVED and does nothing.
 * - No row at all: the release overtook `order.created` (they travel on different topics). A
 *   RELEASED tombstone with quantity 0 takes the order's primary key, so the later
 *   `order.created` cannot reserve; PostgreSQL stock never moved. `inventory.released` still goes
 *   out (with the order's quantity): it tells order-service that the order holds nothing here,
 *   so it gives back the units its Redis admission took. Exactly once, like any release.
 * - REJECTED or already RELEASED: nothing.
 *
 * A plain class the two release handlers share (the consumer module only provides handlers).
 */
export class ReservationReleaser {
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ component: 'ReservationReleaser' });
  }

  async release(
    tx: InventoryTransaction,
    outbox: Outbox,
    eventId: string,
    order: OrderRef,
    reason: ReleaseReason,
  ): Promise<ReleaseOutcome> {
    if (await this.releaseReserved(tx, outbox, eventId, order.orderId, reason)) return 'released';

    const tombstone = await tx.reservation.createMany({
      data: [
        {
          orderId: order.orderId,
          reservationId: randomUUID(),
          saleId: order.saleId,
          userId: order.userId,
          quantity: 0,
          status: 'RELEASED',
          reason,
        },
      ],
      skipDuplicates: true,
    });
    if (tombstone.count === 1) {
      await tx.inventoryLog.create({
        data: { orderId: order.orderId, saleId: order.saleId, delta: 0, kind: 'RELEASE', eventId },
      });
      outbox.add(InventoryReleasedV1, {
        orderId: order.orderId,
        saleId: order.saleId,
        userId: order.userId,
        quantity: order.quantity,
        reason,
      });
      this.logger.info(
        { eventId, orderId: order.orderId, reason },
        'release before the reservation: tombstone recorded, no stock taken',
      );
      return 'tombstone';
    }

    // The row appeared between the two statements: an order.created committed meanwhile (its
    // insert held the key, ours waited for it). This statement sees it.
    if (await this.releaseReserved(tx, outbox, eventId, order.orderId, reason)) return 'released';
    this.logger.debug({ eventId, orderId: order.orderId, reason }, 'nothing to release');
    return 'nothing';
  }

  private async releaseReserved(
    tx: InventoryTransaction,
    outbox: Outbox,
    eventId: string,
    orderId: string,
    reason: ReleaseReason,
  ): Promise<boolean> {
    const released = await releaseReserved(tx, orderId, reason, eventId);
    if (!released) return false;
    outbox.add(InventoryReleasedV1, { orderId, ...released, reason });
    this.logger.info({ eventId, orderId, quantity: released.quantity, reason }, 'stock released');
    return true;
  }
}
