import type { InventoryTransaction } from '../database';

/** What a release gave back: the reservation's sale, buyer and units. */
export interface Released {
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
}

/**
 * The one way units go back to the stock, for the saga's releases and the synchronous
 * baseline's compensation alike: RESERVED → RELEASED by a conditional UPDATE (a second release
 * finds nothing RESERVED and does nothing), then `available += q, released += q` (conservation
 * holds at every commit) and an `inventory_log` RELEASE row under `eventId`. Null when the order
 * holds nothing here. In the caller's transaction.
 */
export async function releaseReserved(
  tx: InventoryTransaction,
  orderId: string,
  reason: string,
  eventId: string,
): Promise<Released | null> {
  const [row] = await tx.reservation.updateManyAndReturn({
    where: { orderId, status: 'RESERVED' },
    data: { status: 'RELEASED', reason },
  });
  if (!row) return null;
  const restocked = await tx.$executeRaw`
    UPDATE sale_stock
    SET available = available + ${row.quantity}, released = released + ${row.quantity},
        updated_at = now()
    WHERE sale_id = ${row.saleId}`;
  if (restocked !== 1) {
    // A reservation without its stock row cannot happen unless someone deleted the row: fail
    // (retried, then dead-lettered; a 500 for the baseline) rather than release into nothing.
    throw new Error(`sale ${row.saleId} of reservation ${orderId} has no stock row`);
  }
  await tx.inventoryLog.create({
    data: { orderId, saleId: row.saleId, delta: row.quantity, kind: 'RELEASE', eventId },
  });
  return { saleId: row.saleId, userId: row.userId, quantity: row.quantity };
}
