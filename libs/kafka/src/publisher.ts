import { CompressionTypes, IHeaders, Kafka, Partitioners, Producer } from 'kafkajs';
import type { EventDefinition, EventEnvelope } from '@seckill/contracts';
import { currentCorrelation, injectTraceContext, tracingEnabled } from '@seckill/observability';
import { publishSpans } from './tracing';

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
 *
 * And one send at a time. kafkajs numbers an idempotent producer's batches per partition when it
 * builds a request and advances the number only when the answer comes back, so a send that
 * starts while another is still retrying (a broker died under it) reuses its sequence numbers:
 * the broker takes the later batch for a duplicate of the earlier one and acknowledges it, and
 * its records are gone (kafkajs #1005). The chaos smoke caught it: during `chaos kill-broker`,
 * logistics' outbox relay, whose previous publish had timed out and was still being retried,
 * sent again; 20 `shipment.created` events were acknowledged, marked published, and never
 * written. Every user of a service's publisher (the outbox relays, the consumer runner's retry
 * and dead-letter records, the purchase hand-off) shares one producer, so the queue is here.
 */
export class EventPublisher {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;
  /** The send in flight (settled or not); the next one starts after it. */
  private inFlight: Promise<unknown> = Promise.resolve();

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

  /**
   * Sends raw records (the DLQ and the outbox relay use it); acks=all, in order per key, after
   * every earlier send has settled (see the class comment). A caller that stops waiting (a
   * relay's timeout) does not take its send back: it still runs, in its turn.
   */
  send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const sent = this.inFlight.then(() => this.sendNow(records));
    // A failed send must not stop the ones behind it; its caller gets the error.
    this.inFlight = sent.catch(() => undefined);
    return sent;
  }

  private async sendNow(records: readonly OutgoingRecord[]): Promise<void> {
    await this.connect();
    // Each traced record's PRODUCER span covers the send up to the ack (see publishSpans).
    const spans = tracingEnabled() ? publishSpans(records) : undefined;
    try {
      await this.sendBatch(spans?.records ?? records);
    } catch (error) {
      spans?.end(error);
      throw error;
    }
    spans?.end();
  }

  private async sendBatch(records: readonly OutgoingRecord[]): Promise<void> {
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

/**
 * The Kafka record of `event`, with the headers every copy of it keeps (in an outbox row, in a
 * Redis outbox stream entry): its id, type and version, the correlation id of the flow that
 * made it and, while tracing is on, that flow's trace context (`traceparent`), so that one
 * purchase stays one trace however long the event waits in an outbox.
 */
export function toRecord<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  event: EventEnvelope<TType, TPayload>,
): OutgoingRecord {
  const correlation = currentCorrelation();
  const headers: Record<string, string> = {
    [HEADER.eventId]: event.eventId,
    [HEADER.eventType]: event.type,
    [HEADER.eventVersion]: String(event.version),
    ...(correlation ? { [HEADER.correlationId]: correlation.correlationId } : {}),
  };
  if (tracingEnabled()) injectTraceContext(headers);
  return { topic: definition.topic, key: event.key, value: JSON.stringify(event), headers };
}
