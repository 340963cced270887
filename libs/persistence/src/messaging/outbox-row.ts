import type { InputJsonValue } from '@prisma/client/runtime/client';
import type { EventDefinition, EventEnvelope } from '@seckill/contracts';
import { type OutboxEntry, outboxEntryOf, type OutgoingRecord } from '@seckill/kafka';

/**
 * An `outbox_events` row to insert, by the Prisma field names: every service's generated
 * `Prisma.OutboxEventCreateManyInput` takes it (the messaging tables are the same everywhere).
 */
export interface OutboxRowInput {
  readonly eventId: string;
  readonly topic: string;
  readonly key: string;
  readonly type: string;
  readonly version: number;
  readonly payload: InputJsonValue;
  readonly headers: Readonly<Record<string, string>>;
  /** The envelope's `occurredAt`, so that `recordOf` rebuilds the envelope exactly. */
  readonly createdAt: Date;
}

/** An `outbox_events` row as the relay reads it (raw SQL, column names). */
export interface OutboxRow {
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

/**
 * The row of an event, to insert in the same transaction as the state change it announces. Its
 * headers are toRecord's, taken now: call it in the flow the event belongs to.
 */
export function outboxRowOf<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  event: EventEnvelope<TType, TPayload>,
): OutboxRowInput {
  return outboxRowOfEntry(outboxEntryOf(definition, event));
}

/**
 * The row of an entry a consumer's handler added (`ConsumerStore.appendOutbox`): its headers
 * were taken in the handler's flow, not in the transaction that writes it.
 */
export function outboxRowOfEntry({ topic, event, headers }: OutboxEntry): OutboxRowInput {
  return {
    eventId: event.eventId,
    topic,
    key: event.key,
    type: event.type,
    version: event.version,
    payload: event.payload as InputJsonValue,
    headers,
    createdAt: new Date(event.occurredAt),
  };
}

/** The Kafka record of a stored row: the envelope rebuilt field by field, headers as stored. */
export function recordOf(row: OutboxRow): OutgoingRecord {
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
