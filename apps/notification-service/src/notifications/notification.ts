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
 * NOTHING on the unique (order_id, kind)), and queues the feed message in the same transaction,
 * in one statement: it runs for about three events of every order, and each Prisma call costs
 * about 1 ms of CPU (docs/benchmarks.md). The message is built here (`toItem`, the API's shape);
 * the database only fills in the id it assigned. Resolves with that id, or null for a duplicate.
 */
export async function recordNotification(
  tx: NotificationTransaction,
  notification: NewNotification,
): Promise<bigint | null> {
  const createdAt = new Date();
  const message: FeedMessage = {
    userId: notification.userId,
    item: toItem({ ...notification, id: 0n, createdAt }),
  };
  // ON CONFLICT rather than catching the unique violation: a failed statement would abort the
  // runner's whole transaction. pg_notify returns void, hence the cast.
  const [row] = await tx.$queryRaw<{ id: bigint }[]>`
    WITH inserted AS (
      INSERT INTO notifications (order_id, kind, user_id, sale_id, message, event_id, created_at)
      VALUES (${notification.orderId}, ${notification.kind}::"NotificationKind",
              ${notification.userId}, ${notification.saleId}, ${notification.message},
              ${notification.eventId}::uuid, ${createdAt}::timestamptz)
      ON CONFLICT (order_id, kind) DO NOTHING
      RETURNING id
    )
    SELECT id,
           pg_notify(${FEED_CHANNEL},
                     jsonb_set(${JSON.stringify(message)}::jsonb, '{item,id}', to_jsonb(id::text))::text
           )::text AS notified
    FROM inserted`;
  return row?.id ?? null;
}
