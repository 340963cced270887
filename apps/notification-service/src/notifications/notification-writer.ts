import { Injectable } from '@nestjs/common';
import type { ChunkWriter } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { NotificationTransaction } from '../database';
import { FEED_CHANNEL, type FeedMessage, type NewNotification, toItem } from './notification';

/**
 * Records the notifications the handlers of one consumer transaction staged, and queues their
 * feed messages, in ONE statement: a statement per event cost about 1 ms of CPU in the service
 * and as much again in PostgreSQL (parse, plan, round trip), for about three events per order.
 * Every handler of the group shares this instance, so a chunk's rows reach one `write`.
 */
@Injectable()
export class NotificationWriter implements ChunkWriter<NewNotification, NotificationTransaction> {
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ component: 'notification-writer' });
  }

  async write(tx: NotificationTransaction, rows: readonly NewNotification[]): Promise<void> {
    const ids = await this.record(tx, rows);
    rows.forEach((row, n) => {
      const fields = { eventId: row.eventId, orderId: row.orderId, kind: row.kind };
      const id = ids[n];
      if (id !== null && id !== undefined) {
        this.logger.debug({ ...fields, notificationId: id.toString() }, 'notified');
      } else this.logger.info(fields, 'order already has this notification; nothing to add');
    });
  }

  /**
   * Inserts each row unless its order already has a notification of its kind (the unique
   * (order_id, kind)), in staging order so ids follow event order, and calls pg_notify for each
   * inserted row only. Resolves with the id of each row, by position: null for a duplicate, be
   * it of a row already in the table or of an earlier row of the same call.
   */
  async record(
    tx: NotificationTransaction,
    rows: readonly NewNotification[],
  ): Promise<Array<bigint | null>> {
    if (rows.length === 0) return [];
    const createdAt = new Date();
    // The feed message is built here (toItem, the API's shape); the database fills in the id.
    const feeds = rows.map((row) => {
      const message: FeedMessage = {
        userId: row.userId,
        item: toItem({ ...row, id: 0n, createdAt }),
      };
      return JSON.stringify(message);
    });
    const column = <T>(pick: (row: NewNotification) => T) => rows.map(pick);
    // ON CONFLICT rather than catching the unique violation: a failed statement would abort the
    // runner's whole transaction. With DO NOTHING a later row of the same (order, kind) in this
    // insert is skipped like one already in the table (DO UPDATE would fail on it). A skipped row
    // must not be notified: `origin` pairs each inserted row with the staged row it came from,
    // the first one of its key and event. pg_notify returns void, hence the cast; ORDER BY n
    // calls it in staging order (a volatile call is evaluated after the sort).
    const inserted = await tx.$queryRaw<{ n: number; id: bigint }[]>`
      WITH staged AS (
        SELECT * FROM unnest(
          ${column((r) => r.orderId)}::text[],
          ${column((r) => r.kind)}::"NotificationKind"[],
          ${column((r) => r.userId)}::text[],
          ${column((r) => r.saleId)}::text[],
          ${column((r) => r.message)}::text[],
          ${column((r) => r.eventId)}::uuid[],
          ${feeds}::text[]
        ) WITH ORDINALITY AS t(order_id, kind, user_id, sale_id, message, event_id, feed, n)
      ),
      inserted AS (
        INSERT INTO notifications (order_id, kind, user_id, sale_id, message, event_id, created_at)
        SELECT order_id, kind, user_id, sale_id, message, event_id, ${createdAt}::timestamptz
        FROM staged
        ORDER BY n
        ON CONFLICT (order_id, kind) DO NOTHING
        RETURNING id, order_id, kind, event_id
      ),
      origin AS (
        SELECT DISTINCT ON (i.id) i.id, s.n, s.feed
        FROM inserted i
        JOIN staged s ON s.order_id = i.order_id AND s.kind = i.kind AND s.event_id = i.event_id
        ORDER BY i.id, s.n
      )
      SELECT n::int AS n, id,
             pg_notify(${FEED_CHANNEL},
                       jsonb_set(feed::jsonb, '{item,id}', to_jsonb(id::text))::text
             )::text AS notified
      FROM origin
      ORDER BY n`;
    const ids: Array<bigint | null> = rows.map(() => null);
    for (const { n, id } of inserted) ids[n - 1] = id;
    return ids;
  }
}
