import { CompressionTypes, IHeaders, Kafka, Partitioners, Producer, RecordMetadata } from 'kafkajs';
import type { EventDefinition, EventEnvelope } from '@seckill/contracts';
import {
  currentCorrelation,
  injectTraceContext,
  type ServiceLogger,
  tracingEnabled,
} from '@seckill/observability';
import { type BackoffPolicy, backoffDelay, isRetriableKafkaError } from './errors';
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

export interface PublisherOptions {
  /**
   * Sends of one batch, the first included, and the pauses between them (exponential, full
   * jitter), each retried inside kafkajs for about 10 s. The default, 4 sends over about 45 s,
   * outlasts a broker's death: its partitions' leaders move once the controller fences it
   * (broker.session.timeout.ms, 9 s by default), or it is back.
   */
  readonly backoff?: BackoffPolicy;
  /** Where failed attempts and producer resets are logged. */
  readonly logger?: ServiceLogger;
  /** How the pause between attempts is waited (tests pass one that does not wait). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const SEND_BACKOFF: BackoffPolicy = { maxAttempts: 4, initialDelayMs: 2000, maxDelayMs: 10_000 };

/**
 * The first line of defence against loss, on the producer side: an idempotent producer with
 * acks=all, so a retried send is never written twice and an acknowledged one is on every
 * in-sync replica. One in-flight request keeps the per-key order through retries.
 *
 * One send at a time. kafkajs numbers an idempotent producer's batches per partition when it
 * builds a request and advances the number only when the answer comes back, so a send that
 * starts while another is still retrying (a broker died under it) reuses its sequence numbers:
 * the broker takes the later batch for a duplicate of the earlier one and acknowledges it, and
 * its records are gone (kafkajs #1005). The chaos smoke caught it: during `chaos kill-broker`,
 * logistics' outbox relay, whose previous publish had timed out and was still being retried,
 * sent again; 20 `shipment.created` events were acknowledged, marked published, and never
 * written. Every user of a service's publisher (the outbox relays, the consumer runner's retry
 * and dead-letter records, the purchase hand-off) shares one producer, so the queue is here.
 *
 * And a send that comes back short is sent again. kafkajs keeps the answers of one send's
 * brokers across its retries and, on a retry, sends only to brokers without one: partitions
 * whose leader moved from a dead broker to one that had already answered are never sent, yet the
 * send resolves (kafkajs #1303). So the publisher notes which partition each record goes to (it
 * wraps kafkajs's partitioner) and checks that the answer acknowledges every one of them; if one
 * is missing, the same records go again, whole: the missing partitions get them now, the others a
 * second time, which consumers drop by event id (their inbox).
 *
 * A send that fails for good replaces the producer. kafkajs rolls a failed request's sequence
 * numbers back even when the dead leader had written and replicated the batch, so the next,
 * different batch for that partition would be refused for ever (OUT_OF_ORDER_SEQUENCE_NUMBER)
 * and the relay behind it would stall; a new producer id starts every sequence afresh.
 */
export class EventPublisher {
  private producer: Producer;
  private connecting: Promise<void> | undefined;
  /** The send in flight (settled or not); the next one starts after it. */
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly backoff: BackoffPolicy;
  /** The partitions the send in hand puts records on (`partitionKey`). */
  private readonly targeted = new Set<string>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: PublisherOptions = {},
  ) {
    this.producer = this.createProducer();
    this.backoff = options.backoff ?? SEND_BACKOFF;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private createProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: () => {
        const partition = Partitioners.DefaultPartitioner();
        return (args) => {
          const chosen = partition(args);
          this.targeted.add(partitionKey(args.topic, chosen));
          return chosen;
        };
      },
      // Within one attempt (about 10 s); sendWithRetries repeats attempts.
      retry: { retries: 5, initialRetryTime: 300 },
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
    // Each traced record's PRODUCER span covers the send up to the ack (see publishSpans).
    const spans = tracingEnabled() ? publishSpans(records) : undefined;
    try {
      await this.sendWithRetries(spans?.records ?? records);
    } catch (error) {
      spans?.end(error);
      throw error;
    }
    spans?.end();
  }

  /** The same records, whole, until the cluster takes them or the attempts run out. */
  private async sendWithRetries(records: readonly OutgoingRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.connect();
        this.targeted.clear();
        const acknowledged = await this.sendBatch(records);
        const missing = unacknowledged(this.targeted, acknowledged);
        if (missing.length === 0) return;
        throw new PartitionsSkippedError(missing);
      } catch (error) {
        const retriable = isRetriableKafkaError(error);
        if (!retriable || attempt >= this.backoff.maxAttempts) {
          await this.replaceProducer(error);
          throw error;
        }
        const delayMs = backoffDelay(this.backoff, attempt);
        this.options.logger?.warn(
          { err: error, attempt, records: records.length, delayMs },
          'send failed; sending the same records again',
        );
        await this.sleep(delayMs);
      }
    }
  }

  /**
   * A send that failed for good may have left kafkajs's sequence numbers behind the broker's
   * (see the class comment): the next send goes through a new producer, with a new id.
   */
  private async replaceProducer(cause: unknown): Promise<void> {
    const old = this.producer;
    this.producer = this.createProducer();
    this.connecting = undefined;
    this.options.logger?.warn({ err: cause }, 'send failed; replacing the producer');
    await old.disconnect().catch(() => undefined);
  }

  private sendBatch(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const record of records) {
      const list = byTopic.get(record.topic) ?? [];
      list.push(record);
      byTopic.set(record.topic, list);
    }
    return this.producer.sendBatch({
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

/** `topic/partition`: a topic name cannot hold a slash. */
const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

/** The partitions records were put on that the answer does not acknowledge. */
function unacknowledged(targeted: ReadonlySet<string>, answer: readonly RecordMetadata[]) {
  const acknowledged = new Set(answer.map((r) => partitionKey(r.topicName, r.partition)));
  return [...targeted].filter((key) => !acknowledged.has(key));
}

/**
 * kafkajs resolved a send without an answer for some of its partitions (kafkajs #1303): their
 * records were never sent. Retriable: the same records go again.
 */
export class PartitionsSkippedError extends Error {
  override readonly name = 'PartitionsSkippedError';
  readonly retriable = true;
  constructor(readonly partitions: readonly string[]) {
    super(`kafkajs acknowledged the send without sending to ${partitions.join(', ')}`);
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
