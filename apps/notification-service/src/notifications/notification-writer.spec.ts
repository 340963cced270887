import { ServiceLogger } from '@seckill/observability';
import type { NotificationTransaction } from '../database';
import { FEED_CHANNEL, type NewNotification } from './notification';
import { NotificationWriter } from './notification-writer';

const logger = ServiceLogger.create('notification-writer-spec', 'fatal');

const row = (orderId: string, kind: NewNotification['kind'], eventId: string): NewNotification => ({
  orderId,
  kind,
  userId: `user-of-${orderId}`,
  saleId: 's-1',
  message: `${kind} for ${orderId}`,
  eventId,
});

/**
 * A transaction double for the writer's one statement: it keeps the statement's values and
 * answers with the rows the database inserted (by staging position, 1-based).
 */
function transaction(inserted: Array<{ n: number; id: bigint }>) {
  const statements: unknown[][] = [];
  const tx = {
    $queryRaw: async (_sql: TemplateStringsArray, ...values: unknown[]) => {
      statements.push(values);
      return inserted;
    },
  } as unknown as NotificationTransaction;
  return { statements, tx };
}

describe('NotificationWriter', () => {
  it('sends a transaction’s rows as columns in one statement, with each feed message built', async () => {
    const rows = [row('o-1', 'ACCEPTED', 'e-1'), row('o-2', 'PAID', 'e-2')];
    const { statements, tx } = transaction([
      { n: 1, id: 7n },
      { n: 2, id: 8n },
    ]);
    await new NotificationWriter(logger).write(tx, rows);

    expect(statements).toHaveLength(1);
    const [orderIds, kinds, userIds, saleIds, messages, eventIds, feeds, createdAt, channel] =
      statements[0] ?? [];
    expect({ orderIds, kinds, userIds, saleIds, messages, eventIds, channel }).toEqual({
      orderIds: ['o-1', 'o-2'],
      kinds: ['ACCEPTED', 'PAID'],
      userIds: ['user-of-o-1', 'user-of-o-2'],
      saleIds: ['s-1', 's-1'],
      messages: ['ACCEPTED for o-1', 'PAID for o-2'],
      eventIds: ['e-1', 'e-2'],
      channel: FEED_CHANNEL,
    });
    // The feed gets each row as the API shows it; the database fills in the id.
    expect((feeds as string[]).map((feed) => JSON.parse(feed) as unknown)).toEqual(
      rows.map((r) => ({
        userId: r.userId,
        item: {
          id: '0',
          orderId: r.orderId,
          saleId: r.saleId,
          kind: r.kind,
          message: r.message,
          createdAt: (createdAt as Date).toISOString(),
        },
      })),
    );
  });

  it('answers each staged row with the id it got, null for the ones the database skipped', async () => {
    const rows = [
      row('o-1', 'ACCEPTED', 'e-1'),
      row('o-1', 'ACCEPTED', 'e-2'),
      row('o-2', 'PAID', 'e-3'),
    ];
    const { tx } = transaction([
      { n: 1, id: 7n },
      { n: 3, id: 8n },
    ]);
    await expect(new NotificationWriter(logger).record(tx, rows)).resolves.toEqual([7n, null, 8n]);
  });

  it('sends no statement for a transaction without notifications', async () => {
    const { statements, tx } = transaction([]);
    await new NotificationWriter(logger).write(tx, []);
    expect(statements).toHaveLength(0);
  });
});
