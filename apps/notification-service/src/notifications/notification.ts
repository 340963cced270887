import type { NotificationItem } from '@seckill/contracts';
import type { NotificationTransaction } from '../database';
import type { Notification, NotificationKind } from '../generated/prisma/client';

/**
 * The Postgres channel the live feed listens on. `pg_notify` is transactional: the message is
 * delivered when (and only if) the handler's transaction commits, to every instance listening
 * on this database, so the feed never shows a row that was rolled back and never misses one an
 * other instance wrote.
 */
export const FEED_CHANNEL = 'seckill_notifications';

/** What the feed's channel carries: the row as the API shows it, plus whose it is. */
export interface FeedMessage {
  readonly userId: string;
  readonly item: NotificationItem;
}

export interface NewNotification {
  readonly orderId: string;
  readonly userId: string;
  readonly saleId: string;
  readonly kind: NotificationKind;
  readonly message: string;
  readonly eventId: string;
}

export function toItem(row: Notification): NotificationItem {
  return {
    id: row.id.toString(),
    orderId: row.orderId,
    saleId: row.saleId,
    kind: row.kind,
    message: row.message,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Inserts the notification unless the order already has one of this kind (ON CONFLICT DO
 * NOTHING on the unique (order_id, kind)), and queues the feed message in the same transaction.
 * Resolves with the new row, or null for a duplicate.
 */
export async function recordNotification(
  tx: NotificationTransaction,
  notification: NewNotification,
): Promise<Notification | null> {
  // skipDuplicates rather than catching the unique violation: a failed statement would abort
  // the runner's whole transaction.
  const [row] = await tx.notification.createManyAndReturn({
    data: [notification],
    skipDuplicates: true,
  });
  if (!row) return null;
  const message: FeedMessage = { userId: row.userId, item: toItem(row) };
  await tx.$executeRaw`SELECT pg_notify(${FEED_CHANNEL}, ${JSON.stringify(message)})`;
  return row;
}
