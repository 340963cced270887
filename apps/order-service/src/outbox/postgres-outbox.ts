import type { EventDefinition, EventEnvelope } from '@seckill/contracts';
import { type OutboxStore, type OutgoingRecord, toRecord } from '@seckill/kafka';
import type { OrderDatabase } from '../database';
import type { Prisma } from '../generated/prisma/client';

/**
 * The `outbox_events` row of an event, to insert in the same transaction as the state change
 * it announces. `createdAt` is the envelope's `occurredAt`, so the relay rebuilds the envelope
 * exactly.
 */
export function outboxRow<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  event: EventEnvelope<TType, TPayload>,
): Prisma.OutboxEventCreateInput {
  const record = toRecord(definition, event);
  return {
    eventId: event.eventId,
    topic: record.topic,
    key: event.key,
    type: event.type,
    version: event.version,
    payload: event.payload as Prisma.InputJsonValue,
    headers: (record.headers ?? {}) as Prisma.InputJsonValue,
    createdAt: new Date(event.occurredAt),
  };
}

interface OutboxRow {
  readonly id: bigint;
  readonly event_id: string;
  readonly topic: string;
  readonly key: string;
  readonly type: string;
  readonly version: number;
  readonly payload: unknown;
  readonly headers: Record<string, string> | null;
  readonly created_at: Date;
}

/** Longer than the relay's publish timeout: the claim must outlive any publish it waits for. */
const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * order-service's transactional outbox table for the relay (`OutboxRelay` in libs/kafka).
 * A batch is claimed with `FOR UPDATE SKIP LOCKED` inside a transaction that stays open while
 * the batch is published: a second relay (another instance) skips the claimed rows instead of
 * publishing them twice, and a crash before the commit releases them for the next run.
 *
 * With several relays, two batches can be published concurrently; events of one key keep their
 * order only within a batch. order-service's outbox carries one event per sale, so that is fine.
 */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly db: OrderDatabase) {}

  async relayBatch(
    limit: number,
    publish: (records: readonly OutgoingRecord[]) => Promise<void>,
  ): Promise<number> {
    let claimed: bigint[] = [];
    try {
      return await this.db.$transaction(
        async (tx) => {
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

  /** Outside the rolled-back transaction, so `attempts` shows events that keep failing. */
  private async countFailedAttempt(ids: bigint[]): Promise<void> {
    await this.db.$executeRaw`
      UPDATE outbox_events SET attempts = attempts + 1 WHERE id = ANY(${ids})`.catch(
      () => undefined,
    );
  }
}

function recordOf(row: OutboxRow): OutgoingRecord {
  const envelope: EventEnvelope = {
    eventId: row.event_id,
    type: row.type,
    version: row.version,
    occurredAt: row.created_at.toISOString(),
    key: row.key,
    payload: row.payload,
  };
  return {
    topic: row.topic,
    key: row.key,
    value: JSON.stringify(envelope),
    headers: row.headers ?? {},
  };
}
