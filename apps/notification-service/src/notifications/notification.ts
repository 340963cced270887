import type { NotificationItem } from '@seckill/contracts';
import type { Notification, NotificationKind } from '../generated/prisma/client';

/**
 * The Postgres channel the live feed listens on. `pg_notify` is transactional: the message is
 * delivered when (and only if) the consumer transaction that wrote the row commits, to every
 * instance listening on this database, so the feed never shows a row that was rolled back and
 * never misses one an other instance wrote.
 */
export const FEED_CHANNEL = 'seckill_notifications';

/** What the feed's channel carries: the row as the API shows it, plus whose it is. */
export interface FeedMessage {
  readonly userId: string;
  readonly item: NotificationItem;
}

/** What a handler stages for NotificationWriter: one notification of an order. */
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
