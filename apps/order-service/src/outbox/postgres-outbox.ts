import type { EventDefinition, EventEnvelope } from '@seckill/contracts';
import { toRecord } from '@seckill/kafka';
import type { Prisma } from '../generated/prisma/client';

/**
 * The `outbox_events` row of an event, to insert in the same transaction as the state change
 * it announces. `createdAt` is the envelope's `occurredAt`, so the relay rebuilds the envelope
 * exactly. The table is relayed by the generic relay of libs/persistence (`PrismaOutboxStore`).
 */
export function outboxRow<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  event: EventEnvelope<TType, TPayload>,
): Prisma.OutboxEventCreateManyInput {
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
