import { CompressionTypes, IHeaders, Kafka, Partitioners, Producer } from 'kafkajs';
import type { EventDefinition, EventEnvelope } from '@seckill/contracts';
import { currentCorrelation } from '@seckill/observability';

export const HEADER = {
  eventId: 'event-id',
  eventType: 'event-type',
  eventVersion: 'event-version',
  correlationId: 'correlation-id',
} as const;

export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer | string | null;
  readonly headers?: IHeaders;
}

/**
 * The first line of defence against loss, on the producer side: an idempotent producer with
 * acks=all, so a retried send is never written twice and an acknowledged one is on every
 * in-sync replica. One in-flight request keeps the per-key order through retries.
 */
export class EventPublisher {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 8, initialRetryTime: 300 },
    });
  }

  connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined; // let the next call try again
      throw error;
    });
    return this.connecting;
  }

  async publish<TType extends string, TPayload>(
    definition: EventDefinition<TType, TPayload>,
    event: EventEnvelope<TType, TPayload>,
  ): Promise<void> {
    await this.send([toRecord(definition, event)]);
  }

  /** Sends raw records (the DLQ and the outbox relay use it); acks=all, in order per key. */
  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.connect();
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const record of records) {
      const list = byTopic.get(record.topic) ?? [];
      list.push(record);
      byTopic.set(record.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
      })),
    });
  }

  async disconnect(): Promise<void> {
    if (!this.connecting) return;
    this.connecting = undefined;
    await this.producer.disconnect();
  }
}

export function toRecord<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  event: EventEnvelope<TType, TPayload>,
): OutgoingRecord {
  const correlation = currentCorrelation();
  return {
    topic: definition.topic,
    key: event.key,
    value: JSON.stringify(event),
    headers: {
      [HEADER.eventId]: event.eventId,
      [HEADER.eventType]: event.type,
      [HEADER.eventVersion]: String(event.version),
      ...(correlation ? { [HEADER.correlationId]: correlation.correlationId } : {}),
    },
  };
}
