import type { OutboxStore, OutgoingRecord } from '@seckill/kafka';
import { type OutboxRow, recordOf } from './outbox-row';
import type { SqlExecutor, TransactionalClient } from './prisma-consumer-store';

/** Longer than the relay's publish timeout: the claim must outlive any publish it waits for. */
const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * Any advisory-lock key will do as long as every instance of a service uses the same one; each
 * service has its own database, so services do not contend for it.
 */
const RELAY_LOCK_KEY = 0x5ecc111;

/**
 * A service's `outbox_events` table as the relay's store (`OutboxRelay` in libs/kafka).
 *
 * A run takes a transaction-scoped advisory lock first: with several instances of a service, one
 * relay publishes at a time, oldest row first, so the events of one key reach Kafka in the order
 * they were committed. The rows are also claimed `FOR UPDATE SKIP LOCKED`, so nothing else
 * (an operator's script) can mark them meanwhile. A crash before the commit releases both, and
 * the rows are published again on the next run: at least once, same event ids, consumers drop
 * the duplicates (inbox).
 */
export class PrismaOutboxStore<Tx extends SqlExecutor> implements OutboxStore {
  constructor(private readonly client: TransactionalClient<Tx>) {}

  async relayBatch(
    limit: number,
    publish: (records: readonly OutgoingRecord[]) => Promise<void>,
  ): Promise<number> {
    let claimed: bigint[] = [];
    try {
      return await this.client.$transaction(
        async (tx) => {
          const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
            SELECT pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}) AS locked`;
          if (!lock?.locked) return 0; // another instance is relaying right now
          const rows = await tx.$queryRaw<OutboxRow[]>`
            SELECT id, event_id, topic, key, type, version, payload, headers, created_at
            FROM outbox_events
            WHERE published_at IS NULL
            ORDER BY id
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED`;
          if (rows.length === 0) return 0;
          claimed = rows.map((row) => row.id);
          await publish(rows.map(recordOf));
          await tx.$executeRaw`
            UPDATE outbox_events SET published_at = now(), attempts = attempts + 1
            WHERE id = ANY(${claimed})`;
          return rows.length;
        },
        { timeout: TRANSACTION_TIMEOUT_MS },
      );
    } catch (error) {
      if (claimed.length > 0) await this.countFailedAttempt(claimed);
      throw error;
    }
  }

  /** Events written but not yet published (the `outbox backlog` metric). */
  async backlog(): Promise<number> {
    const [row] = await this.client.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL`;
    return Number(row?.n ?? 0);
  }

  /** Outside the rolled-back transaction, so `attempts` shows events that keep failing. */
  private async countFailedAttempt(ids: bigint[]): Promise<void> {
    await Promise.resolve(
      this.client.$executeRaw`
        UPDATE outbox_events SET attempts = attempts + 1 WHERE id = ANY(${ids})`,
    ).catch(() => undefined);
  }
}
