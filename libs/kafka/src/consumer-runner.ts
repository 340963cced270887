import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import {
  createEvent,
  EnvelopeOf,
  EventDefinition,
  EventEnvelope,
  EventRegistry,
  eventRegistry as defaultRegistry,
} from '@seckill/contracts';
import { MetricsRegistry, runWithCorrelation, ServiceLogger } from '@seckill/observability';
import { deadLetterRecord } from './dead-letter';
import { BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, NonRetriableError } from './errors';
import { ConsumerStore, Outbox, OutboxEntry } from './consumer-store';
import { EventPublisher, HEADER, toRecord } from './publisher';

export interface EventContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 on first delivery to the handler, counting in-process retries. */
  readonly attempt: number;
  readonly consumerGroup: string;
}

/**
 * What a handler works with: the open transaction (the service's Prisma transaction client),
 * the outbox for its follow-up events, and where the event came from. The runner has already
 * recorded the event in the inbox in `tx`; a redelivered event never reaches the handler.
 */
export interface HandlerScope<Tx = unknown> {
  readonly tx: Tx;
  readonly outbox: Outbox;
  readonly context: EventContext;
}

/** One handler per event (type and version), named after it: `OrderCreatedIntegrationEventHandler`. */
export interface IntegrationEventHandler<
  D extends EventDefinition = EventDefinition,
  Tx = unknown,
> {
  readonly event: D;
  handle(event: EnvelopeOf<D>, scope: HandlerScope<Tx>): Promise<void>;
}

export interface ConsumerRunnerOptions {
  readonly groupId: string;
  readonly handlers: readonly IntegrationEventHandler[];
  /** The service's database: inbox, effects and outbox in one transaction. */
  readonly store: ConsumerStore;
  readonly backoff?: BackoffPolicy;
  readonly registry?: EventRegistry;
  /** Read a new group's topics from the start, so nothing published before it joined is missed. */
  readonly fromBeginning?: boolean;
  /** Defaults to the catalogue's dead-letter topic; tests use their own. */
  readonly deadLetterTopic?: string;
}

class ShutdownInProgress extends Error {}

type Outcome = 'processed' | 'duplicate' | 'dead_lettered';

/**
 * The one consumer loop of the shop. For each message, in partition order:
 *   decode + validate → handler (bounded retries with jittered backoff) → commit.
 * Undecodable events, non-retriable failures and exhausted retries go to the dead-letter topic
 * with the reason, then the partition moves on: a poison event never blocks it.
 * Offsets are committed only after the handler (and its database transaction) succeeded, so a
 * crash means redelivery, never loss; handlers make redelivery harmless (inbox).
 */
export class KafkaConsumerRunner {
  private readonly consumer: Consumer;
  private readonly handlers = new Map<string, IntegrationEventHandler>();
  private readonly registry: EventRegistry;
  private readonly backoff: BackoffPolicy;
  private readonly logger: ServiceLogger;
  private readonly processed;
  private readonly duration;
  private readonly deadLetters;
  private stopping = false;

  constructor(
    kafka: Kafka,
    private readonly publisher: EventPublisher,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.registry = options.registry ?? defaultRegistry;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.logger = logger.child({ component: 'consumer', group: options.groupId });
    for (const handler of options.handlers) {
      const id = EventRegistry.id(handler.event.type, handler.event.version);
      if (this.handlers.has(id)) throw new Error(`two handlers for ${id} in ${options.groupId}`);
      this.handlers.set(id, handler);
    }
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      // A shorter long-poll lets a stopping consumer leave within a second instead of five.
      maxWaitTimeInMs: 1000,
      retry: { retries: 10 },
    });
    this.processed = metrics.counter(
      'seckill_events_processed_total',
      'Consumed events by outcome',
      ['group', 'topic', 'outcome'],
    );
    this.duration = metrics.histogram(
      'seckill_event_processing_seconds',
      'Time from receiving an event to its outcome',
      ['group', 'topic'],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    );
    this.deadLetters = metrics.counter('seckill_dead_letters_total', 'Events sent to the DLQ', [
      'group',
      'topic',
      'reason',
    ]);
  }

  get topics(): string[] {
    return [...new Set(this.options.handlers.map((h) => h.event.topic))];
  }

  async start(): Promise<void> {
    await this.publisher.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.topics,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.processBatch(payload),
    });
    this.logger.info({ topics: this.topics }, 'consumer started');
  }

  /** Finishes the message in hand, commits, and leaves the group (kafkajs disconnect does both). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
    this.logger.info({}, 'consumer stopped and left the group');
  }

  private async processBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    let lastDone: string | undefined;
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.stopping) break;
        await this.processMessage(batch.topic, batch.partition, message, heartbeat);
        resolveOffset(message.offset);
        lastDone = message.offset;
        await heartbeat();
      }
    } catch (error) {
      if (!(error instanceof ShutdownInProgress)) throw error;
    } finally {
      if (lastDone !== undefined && !isStale()) {
        await this.commit(batch.topic, batch.partition, lastDone);
      }
    }
  }

  private async commit(topic: string, partition: number, offset: string): Promise<void> {
    const next = (BigInt(offset) + 1n).toString();
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset: next }]);
    } catch (error) {
      // Lost the partition in a rebalance: its new owner reprocesses from the last commit,
      // and the inbox makes that harmless.
      this.logger.warn({ err: error, topic, partition, offset: next }, 'offset commit failed');
    }
  }

  private async processMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const started = performance.now();
    const outcome = await this.route(topic, partition, message, heartbeat);
    this.processed.inc({ group: this.options.groupId, topic, outcome });
    this.duration.observe(
      { group: this.options.groupId, topic },
      (performance.now() - started) / 1000,
    );
  }

  private async route(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    const decoded = this.registry.decode(message.value);
    if (!decoded.ok) {
      await this.deadLetter(topic, partition, message, decoded.reason, decoded.detail, 0);
      return 'dead_lettered';
    }
    const event = decoded.event;
    const handler = this.handlers.get(EventRegistry.id(event.type, event.version));
    if (!handler) {
      // A type or version this group was not built for: an upgrade-ordering mistake, kept for
      // re-drive rather than silently acknowledged.
      const detail = `${this.options.groupId} has no handler for ${event.type} v${event.version}`;
      await this.deadLetter(topic, partition, message, 'NO_HANDLER', detail, 0);
      return 'dead_lettered';
    }
    const correlationId = headerText(message, HEADER.correlationId) ?? event.eventId;
    return runWithCorrelation({ correlationId }, () =>
      this.handleWithRetries(handler, event, { topic, partition, message, heartbeat }),
    );
  }

  private async handleWithRetries(
    handler: IntegrationEventHandler,
    event: EventEnvelope,
    where: {
      topic: string;
      partition: number;
      message: KafkaMessage;
      heartbeat: () => Promise<void>;
    },
  ): Promise<Outcome> {
    const { topic, partition, message } = where;
    for (let attempt = 1; ; attempt++) {
      const context: EventContext = {
        topic,
        partition,
        offset: message.offset,
        attempt,
        consumerGroup: this.options.groupId,
      };
      try {
        const outcome = await this.applyInTransaction(handler, event, context);
        this.logger.debug(
          { eventId: event.eventId, type: event.type, attempt, outcome },
          'event handled',
        );
        return outcome;
      } catch (error) {
        const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (error instanceof NonRetriableError) {
          await this.deadLetter(topic, partition, message, error.reason, detail, attempt);
          return 'dead_lettered';
        }
        if (attempt >= this.backoff.maxAttempts) {
          await this.deadLetter(topic, partition, message, 'RETRIES_EXHAUSTED', detail, attempt);
          return 'dead_lettered';
        }
        const delayMs = backoffDelay(this.backoff, attempt);
        this.logger.warn(
          { eventId: event.eventId, type: event.type, attempt, delayMs, err: error },
          'handler failed, retrying',
        );
        if (this.stopping) throw new ShutdownInProgress(); // uncommitted: redelivered after restart
        await sleep(delayMs);
        await where.heartbeat();
      }
    }
  }

  /** Inbox row, effect and follow-up events in one transaction; a redelivery changes nothing. */
  private async applyInTransaction(
    handler: IntegrationEventHandler,
    event: EventEnvelope,
    context: EventContext,
  ): Promise<'processed' | 'duplicate'> {
    const { store } = this.options;
    const origin = { topic: context.topic, partition: context.partition, offset: context.offset };
    const entries: OutboxEntry[] = [];
    const outcome = await store.transaction(async (tx) => {
      entries.length = 0; // a retried transaction starts again
      const fresh = await store.recordInbox(tx, context.consumerGroup, [{ event, origin }]);
      if (!fresh.has(event.eventId)) return 'duplicate' as const;
      await handler.handle(event as never, { tx, outbox: collectInto(entries), context });
      if (entries.length > 0) await store.appendOutbox(tx, entries);
      return 'processed' as const;
    });
    if (entries.length > 0 && outcome === 'processed') store.outboxCommitted();
    return outcome;
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    error: string,
    attempts: number,
  ): Promise<void> {
    // If this send fails the batch fails and the message is redelivered: never a silent ack.
    const record = deadLetterRecord({
      topic,
      partition,
      message,
      consumerGroup: this.options.groupId,
      reason,
      error,
      attempts,
    });
    await this.publisher.send([{ ...record, topic: this.options.deadLetterTopic ?? record.topic }]);
    this.deadLetters.inc({ group: this.options.groupId, topic, reason });
    this.logger.warn(
      { topic, partition, offset: message.offset, reason, error, attempts },
      'event sent to the dead-letter topic',
    );
  }
}

function collectInto(entries: OutboxEntry[]): Outbox {
  return {
    add<TType extends string, TPayload>(
      definition: EventDefinition<TType, TPayload>,
      payload: TPayload,
    ): EventEnvelope<TType, TPayload> {
      const event = createEvent(definition, payload);
      const record = toRecord(definition, event);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(record.headers ?? {})) {
        if (typeof value === 'string') headers[name] = value;
      }
      entries.push({ topic: definition.topic, event, headers });
      return event;
    },
  };
}

function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
