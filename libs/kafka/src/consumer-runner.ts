import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import {
  createEvent,
  DEFAULT_RETRY_DELAYS_MS,
  EnvelopeOf,
  EventDefinition,
  EventEnvelope,
  EventRegistry,
  eventRegistry as defaultRegistry,
  retryTopic,
  retryTopicSpecs,
} from '@seckill/contracts';
import type { Context, Span } from '@opentelemetry/api';
import {
  captureContext,
  type CorrelationContext,
  currentCorrelation,
  MetricsRegistry,
  runInContext,
  runInSpan,
  runWithCorrelation,
  ServiceLogger,
  tracingEnabled,
} from '@seckill/observability';
import { deadLetterRecord } from './dead-letter';
import { BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, NonRetriableError } from './errors';
import { ConsumerStore, EventOrigin, Outbox, OutboxEntry } from './consumer-store';
import { provisionTopics } from './provisioning';
import { EventPublisher, HEADER, OutgoingRecord, toRecord } from './publisher';
import { Coalescer } from './coalescer';
import { withHeartbeats } from './heartbeats';
import { bucketCapacity, Clock, PausedPartitions, TokenBucket } from './rate-limit';
import { retryRecord, retryStateOf, withoutRetryHeaders } from './retry';
import { endConsumerSpans, startConsumerSpan } from './tracing';

export interface EventContext {
  /** Where the event was first read from (also when it comes back from a retry topic). */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 on first delivery, n on the n-th (retries come back through the group's retry topics). */
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
  /**
   * Hands `row` to `writer`, which writes the rows of every handler of this transaction at once
   * after the last handler ran (see ChunkWriter): one set-based statement for a chunk of events
   * instead of one per event.
   */
  stage<Row>(writer: ChunkWriter<Row, Tx>, row: Row): void;
}

/**
 * Writes, in one go, the rows the handlers of one consumer transaction staged
 * (`scope.stage(writer, row)`): an `INSERT … SELECT FROM unnest(…)` for a chunk instead of one
 * statement per event. Each statement costs a round trip, a parse and a plan, in the service and
 * in PostgreSQL, whatever it writes; for a one-row write that is most of the cost.
 *
 * The runner calls `write` once per transaction, after the handlers and before the outbox rows,
 * with the rows in the order they were staged; writers run in the order they were first staged.
 * A writer whose rows decide the follow-up events (only a row actually inserted announces itself)
 * adds them to `outbox`: the transaction's outbox, after the handlers' own events.
 * A rejection fails the transaction like a handler's would: the chunk is then applied event by
 * event, so the event whose row broke it takes the failure path alone.
 */
export interface ChunkWriter<Row, Tx = unknown> {
  write(tx: Tx, rows: readonly Row[], outbox: Outbox): Promise<void>;
}

/** One handler per event (type and version), named after it: `OrderCreatedIntegrationEventHandler`. */
export interface IntegrationEventHandler<
  D extends EventDefinition = EventDefinition,
  Tx = unknown,
> {
  readonly event: D;
  handle(event: EnvelopeOf<D>, scope: HandlerScope<Tx>): Promise<void>;
}

/**
 * Events per database transaction unless configured otherwise. With set-based writers a
 * transaction costs a few statements whatever its size, so bigger ones drain a backlog for less:
 * 300 rather than 100 took PostgreSQL from 1.70 to 1.55 ms of CPU per order in the whole-saga
 * drain (docs/benchmarks.md). An event that fails a shared transaction makes the runner apply
 * its chunk event by event, so the size also bounds that rare re-run.
 */
export const DEFAULT_MAX_BATCH_EVENTS = 300;
/** Partitions handled at once by one runner; their chunks share a transaction (see below). */
export const DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY = 12;
/** The source document's database capacity: 1 000 writes a second. */
export const DEFAULT_MAX_EVENTS_PER_SECOND = 1000;
/**
 * kafkajs's long-poll wait, and its sleep when every partition of a broker is paused: it bounds
 * how late a paused partition resumes and how long a stopping consumer takes to leave.
 */
const FETCH_WAIT_MS = 200;
/**
 * The seed's values: a member that died is noticed, and its partitions handed over, 10 s later
 * (kafkajs's default of 30 s kept a restarted consumer's partitions idle that long). Heartbeats
 * go every 3 s, also while a chunk's handler runs (heartbeats.ts).
 */
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 3_000;
/**
 * A fetch answers once this much is there (or after FETCH_WAIT_MS): a quiet topic's events
 * arrive a few per fetch, not one per fetch and so one transaction each (about 50 events).
 */
const FETCH_MIN_BYTES = 32 * 1024;

export interface ConsumerRunnerOptions {
  readonly groupId: string;
  readonly handlers: readonly IntegrationEventHandler[];
  /** The service's database: inbox, effects and outbox in one transaction. */
  readonly store: ConsumerStore;
  /**
   * Paces re-reading a partition whose database (or the broker, for retry and dead-letter
   * records) was unavailable: the partition waits and nothing is retried or dead-lettered.
   * `maxAttempts` is not used; an event's attempts are 1 + `retryDelaysMs.length`.
   */
  readonly backoff?: BackoffPolicy;
  readonly registry?: EventRegistry;
  /** Read a new group's topics from the start, so nothing published before it joined is missed. */
  readonly fromBeginning?: boolean;
  /** Defaults to the catalogue's dead-letter topic; tests use their own. */
  readonly deadLetterTopic?: string;
  /**
   * Events in one database transaction (default 100): a partition's chunk is at most this many,
   * and the chunks of partitions handled at once share a transaction up to this many together.
   */
  readonly maxBatchEvents?: number;
  /**
   * Partitions handled at once (default 12, the shop's partitions per topic). Order within a
   * partition is kept; what several partitions have at the same time is applied in one
   * transaction and committed in one offset commit, so a quiet topic spread over many partitions
   * (one event each) costs one transaction per fetch, not one per event.
   */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Wait before each retry of a failed event, through the group's retry topic of that delay
   * (`retryTopic` in libs/contracts); default 1 s, 5 s, 30 s. After the last, the event is
   * dead-lettered. An empty list dead-letters at the first failure.
   */
  readonly retryDelaysMs?: readonly number[];
  /**
   * Processing-rate cap (events a second, all partitions of this runner together; default 1000).
   * Beyond it partitions are paused and the rest waits in Kafka as lag. `Infinity` or 0: no cap.
   */
  readonly maxEventsPerSecond?: number;
  /**
   * Create the group's retry topics at start if they are missing (default true); the shop's
   * provisioning (`npm run topics`) creates them anyway, this covers new groups and tests.
   */
  readonly ensureRetryTopics?: boolean;
  /**
   * Gives a more important workload of the same process priority: while `busy()` says so, the
   * runner takes at most `maxEventsPerSecond` events a second (on top of the normal cap), and the
   * rest waits in Kafka as lag. order-service's read model yields to admission this way: in a
   * spike the buyers' answers come first, and the read model catches up after it.
   */
  readonly yieldTo?: YieldPolicy;
  readonly clock?: Clock;
}

export interface YieldPolicy {
  readonly busy: () => boolean;
  /** The rate while busy: low, but not 0, so the read model never starves in a long sale. */
  readonly maxEventsPerSecond: number;
}

type Result = 'processed' | 'duplicate' | 'retried' | 'dead_lettered';

/** What became of one message: the result, and the retry or dead-letter record to publish. */
interface Outcome {
  readonly result: Result;
  readonly record?: OutgoingRecord;
  /** The dead-letter reason. */
  readonly reason?: string;
}

/** A message of a chunk, decoded and routed, or why it cannot be. */
type Item =
  | {
      readonly kind: 'event';
      readonly message: KafkaMessage;
      readonly origin: EventOrigin;
      readonly event: EventEnvelope;
      readonly handler: IntegrationEventHandler;
      readonly context: EventContext;
    }
  | {
      readonly kind: 'undeliverable';
      readonly message: KafkaMessage;
      readonly origin: EventOrigin;
      readonly reason: string;
      readonly detail: string;
    };

type EventItem = Extract<Item, { kind: 'event' }>;

/** A partition's offset to commit, and the payload whose consumer group commits it. */
interface OffsetToCommit {
  readonly payload: EachBatchPayload;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Where a partition stops for now, and for how long. */
interface Halt {
  readonly offset: string;
  readonly delayMs: number;
  readonly reason: 'rate_limit' | 'yield' | 'retry_not_due' | 'unavailable';
}

/** A handler threw (as opposed to the database or the transaction itself failing). */
class HandlerFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly index: number,
  ) {
    super(describe(error));
  }
}

/** A handler of a shared transaction threw: which chunk it was in, so that chunk knows. */
class SharedTransactionFailure extends Error {
  constructor(
    readonly failure: HandlerFailure,
    readonly chunk: readonly EventItem[],
  ) {
    super(failure.message);
  }
}

/**
 * The one consumer loop of the shop. For each fetched batch of one partition, in order:
 *   chunk of up to `maxBatchEvents` → rate cap → ONE transaction: inbox rows, the handlers of the
 *   new events, their outbox rows → commit the offsets.
 * If the chunk's transaction fails, each of its events runs alone in its own transaction, so only
 * the failing one takes the failure path: a retriable failure re-publishes it to the group's retry
 * topic of the next delay; a non-retriable one, a last attempt, an undecodable or unexpected event
 * go to the dead-letter topic. Either way the partition moves on: a poison event never blocks it.
 * Retry topics are read by the same consumer; a message not yet due pauses its partition until it
 * is. Offsets are committed only after the transaction (and the retry/dead-letter records) made
 * it, so a crash means redelivery, never loss; the inbox makes redelivery harmless.
 */
export class KafkaConsumerRunner {
  private readonly consumer: Consumer;
  private readonly handlers = new Map<string, IntegrationEventHandler>();
  private readonly registry: EventRegistry;
  private readonly backoff: BackoffPolicy;
  private readonly logger: ServiceLogger;
  private readonly maxBatchEvents: number;
  private readonly retryDelaysMs: readonly number[];
  /** Retry topic → its step (0 for the first delay). */
  private readonly retrySteps = new Map<string, number>();
  private readonly bucket: TokenBucket | undefined;
  /** The lower cap of `yieldTo`, taken from only while its workload is busy. */
  private readonly yieldBucket: TokenBucket | undefined;
  private readonly paused: PausedPartitions;
  private readonly clock: Clock;
  /** Consecutive unavailable-store halts per partition, for the backoff. */
  private readonly stalls = new Map<string, number>();
  private readonly processed;
  private readonly duration;
  private readonly deadLetters;
  private readonly retries;
  private readonly lag;
  private readonly pauses;
  private readonly groupSizes;
  /** The chunks of partitions handled at once, applied in one transaction. */
  private readonly transactions: Coalescer<readonly EventItem[], Array<'processed' | 'duplicate'>>;
  /** Their offsets, in one commit request. */
  private readonly commits: Coalescer<OffsetToCommit, void>;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.registry = options.registry ?? defaultRegistry;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.clock = options.clock ?? Date.now;
    this.logger = logger.child({ component: 'consumer', group: options.groupId });
    this.maxBatchEvents = Math.max(
      1,
      Math.floor(options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS),
    );
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.retryDelaysMs.forEach((delayMs, step) => {
      this.retrySteps.set(retryTopic(options.groupId, delayMs), step);
    });
    for (const handler of options.handlers) {
      const id = EventRegistry.id(handler.event.type, handler.event.version);
      if (this.handlers.has(id)) throw new Error(`two handlers for ${id} in ${options.groupId}`);
      this.handlers.set(id, handler);
    }
    const rate = options.maxEventsPerSecond ?? DEFAULT_MAX_EVENTS_PER_SECOND;
    this.bucket =
      Number.isFinite(rate) && rate > 0
        ? new TokenBucket(
            rate,
            bucketCapacity(rate, this.maxBatchEvents, FETCH_WAIT_MS),
            this.clock,
          )
        : undefined;
    this.yieldBucket = options.yieldTo
      ? new TokenBucket(
          options.yieldTo.maxEventsPerSecond,
          bucketCapacity(options.yieldTo.maxEventsPerSecond, this.maxBatchEvents, FETCH_WAIT_MS),
          this.clock,
        )
      : undefined;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: FETCH_WAIT_MS,
      minBytes: FETCH_MIN_BYTES,
      retry: { retries: 10 },
    });
    this.paused = new PausedPartitions(this.consumer, (error, topic, partition) =>
      this.logger.debug({ err: error, topic, partition }, 'pause or resume of a partition failed'),
    );

    const group = ['group', 'topic'] as const;
    this.processed = metrics.counter(
      'seckill_events_processed_total',
      'Consumed events by result (processed, duplicate, retried, dead_lettered)',
      [...group, 'result'],
    );
    this.duration = metrics.histogram(
      'seckill_event_processing_seconds',
      'Time from taking an event (its chunk) to its outcome',
      group,
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    );
    this.deadLetters = metrics.counter('seckill_dead_letters_total', 'Events sent to the DLQ', [
      ...group,
      'reason',
    ]);
    this.retries = metrics.counter(
      'seckill_event_retries_total',
      'Failed events re-published to a retry topic, by the attempt they wait for',
      [...group, 'attempt'],
    );
    this.lag = metrics.gauge(
      'seckill_consumer_lag',
      'Messages of a partition not yet processed (high watermark - next offset)',
      [...group, 'partition'],
    );
    this.pauses = metrics.counter(
      'seckill_consumer_pauses_total',
      'Partitions paused, by reason (rate_limit, yield, retry_not_due, unavailable)',
      ['group', 'reason'],
    );
    // The cap as a series, so a dashboard draws each group's drain against its limit.
    metrics
      .gauge(
        'seckill_consumer_rate_cap_events_per_second',
        'The processing-rate cap of a consumer group (peak shaving); 0: no cap',
        ['group'],
      )
      .set({ group: options.groupId }, this.bucket?.ratePerSecond ?? 0);
    this.groupSizes = metrics.histogram(
      'seckill_consumer_transaction_events',
      'Events per consumer transaction (the chunks of the partitions handled at once)',
      ['group'],
      [1, 2, 5, 10, 20, 50, 100, 200, 500],
    );
    this.transactions = new Coalescer((chunks) => this.applyChunksTogether(chunks), {
      weight: (chunk) => chunk.length,
      maxWeight: this.maxBatchEvents,
    });
    this.commits = new Coalescer((offsets) => this.commitTogether(offsets), {
      maxWeight: Infinity,
    });
  }

  /** The event topics the handlers consume. */
  get topics(): string[] {
    return [...new Set(this.options.handlers.map((h) => h.event.topic))];
  }

  /** This group's retry topics, one per delay, in order. */
  get retryTopics(): string[] {
    return [...this.retrySteps.keys()];
  }

  async start(): Promise<void> {
    this.stopping = false;
    if (this.options.ensureRetryTopics ?? true) await this.ensureRetryTopics();
    await this.publisher.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...this.topics, ...this.retryTopics],
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(
        1,
        Math.floor(
          this.options.partitionsConsumedConcurrently ?? DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
        ),
      ),
      eachBatch: (payload) => this.processBatch(payload),
    });
    this.logger.info(
      {
        topics: this.topics,
        retryTopics: this.retryTopics,
        maxEventsPerSecond: this.bucket?.ratePerSecond,
      },
      'consumer started',
    );
  }

  /**
   * Finishes the chunk in hand, commits it, and leaves the group (kafkajs disconnect waits for the
   * batch in progress, then leaves). Paused partitions are simply not resumed.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.paused.clear();
    await this.consumer.disconnect();
    this.paused.clear();
    this.logger.info({}, 'consumer stopped and left the group');
  }

  private async ensureRetryTopics(): Promise<void> {
    if (this.retrySteps.size === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      // As many partitions as the widest topic retried, so retries spread like the originals.
      const metadata = await admin.fetchTopicMetadata({ topics: this.topics });
      const partitions = Math.max(1, ...metadata.topics.map((t) => t.partitions.length));
      await provisionTopics(admin, {
        partitions,
        topics: retryTopicSpecs([this.options.groupId], this.retryDelaysMs),
        log: (line) => this.logger.info({}, line),
      });
    } finally {
      await admin.disconnect();
    }
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    const isRetryTopic = this.retrySteps.has(topic);
    let next: string | undefined;
    let halt: Halt | undefined;
    let i = 0;
    while (i < messages.length && !halt) {
      if (!isRunning() || isStale() || this.stopping) break;
      // The chunk: up to maxBatchEvents, ending before a retry that is not due yet.
      let end = i;
      let due: Halt | undefined;
      const now = this.clock();
      while (end < messages.length && end - i < this.maxBatchEvents) {
        const message = messages[end] as KafkaMessage;
        if (isRetryTopic) {
          const { notBefore } = retryStateOf(message, topic, partition);
          if (notBefore > now) {
            due = { offset: message.offset, delayMs: notBefore - now, reason: 'retry_not_due' };
            break;
          }
        }
        end += 1;
      }
      const yielding = this.yieldBucket && this.options.yieldTo?.busy() ? this.yieldBucket : null;
      if (end > i && yielding) {
        const wanted = Math.min(end - i, yielding.capacity);
        if (!yielding.tryTake(wanted)) {
          const offset = (messages[i] as KafkaMessage).offset;
          halt = { offset, delayMs: yielding.msUntil(wanted), reason: 'yield' };
          break;
        }
        if (wanted < end - i) {
          end = i + wanted;
          due = undefined; // not reached yet
        }
      }
      if (end > i && this.bucket) {
        const wanted = Math.min(end - i, this.bucket.capacity);
        if (!this.bucket.tryTake(wanted)) {
          const offset = (messages[i] as KafkaMessage).offset;
          halt = { offset, delayMs: this.bucket.msUntil(wanted), reason: 'rate_limit' };
          break;
        }
        if (wanted < end - i) {
          end = i + wanted;
          due = undefined; // not reached yet
        }
      }
      if (end === i) {
        halt = due;
        break;
      }
      const chunk = messages.slice(i, end);
      const done = await withHeartbeats(
        heartbeat,
        HEARTBEAT_INTERVAL_MS,
        () => this.processChunk(topic, partition, chunk),
        (error) => this.logger.debug({ err: error, topic, partition }, 'heartbeat failed'),
      );
      if (done > 0) {
        const last = (chunk[done - 1] as KafkaMessage).offset;
        resolveOffset(last);
        next = (BigInt(last) + 1n).toString();
        if (!isStale()) await this.commit(payload, topic, partition, next);
      }
      if (done < chunk.length) {
        const offset = (chunk[done] as KafkaMessage).offset;
        halt = { offset, delayMs: this.stallDelay(topic, partition), reason: 'unavailable' };
        break;
      }
      this.stalls.delete(`${topic}/${partition}`);
      i = end;
      halt = due;
      await heartbeat();
    }
    next ??= messages[0]?.offset;
    if (next !== undefined) {
      const lag = Number(BigInt(batch.highWatermark) - BigInt(next));
      this.lag.set(
        { group: this.options.groupId, topic, partition: String(partition) },
        Math.max(0, lag),
      );
    }
    // Paused only after the commit: a pending seek makes kafkajs report the partition stale.
    if (halt && !this.stopping && isRunning() && !isStale()) {
      this.pauses.inc({ group: this.options.groupId, reason: halt.reason });
      this.logger.debug({ topic, partition, ...halt }, 'partition paused');
      this.paused.pauseUntil(topic, partition, halt.offset, halt.delayMs);
    }
  }

  private async commit(
    payload: EachBatchPayload,
    topic: string,
    partition: number,
    next: string,
  ): Promise<void> {
    try {
      await this.commits.add({ payload, topic, partition, offset: next });
    } catch (error) {
      // Lost the partition in a rebalance: its new owner reprocesses from the last commit,
      // and the inbox makes that harmless.
      this.logger.warn({ err: error, topic, partition, offset: next }, 'offset commit failed');
    }
  }

  /** The offsets of partitions handled at once, in one request to the group coordinator. */
  private async commitTogether(offsets: readonly OffsetToCommit[]): Promise<void[]> {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of offsets) {
      const partitions = byTopic.get(topic) ?? [];
      partitions.push({ partition, offset });
      byTopic.set(topic, partitions);
    }
    // Straight to the group coordinator: consumer.commitOffsets() is silently skipped once a
    // stop has begun, and the chunk in hand at SIGTERM must still be committed. Every payload of
    // this consumer commits through the same group, so the first one serves them all.
    await (offsets[0] as OffsetToCommit).payload.commitOffsetsIfNecessary({
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
    return offsets.map(() => undefined);
  }

  /** Exponential, equal jitter: a database outage is retried calmly, never in a tight loop. */
  private stallDelay(topic: string, partition: number): number {
    const key = `${topic}/${partition}`;
    const count = (this.stalls.get(key) ?? 0) + 1;
    this.stalls.set(key, count);
    return backoffDelay(this.backoff, count, Math.random, 'equal');
  }

  /**
   * Handles a chunk and resolves with how many of its messages (a prefix) are done: their effects
   * committed and their retry/dead-letter records published. Fewer than all means the database
   * or the broker was unavailable at the first one not done.
   */
  private async processChunk(
    topic: string,
    partition: number,
    chunk: readonly KafkaMessage[],
  ): Promise<number> {
    const started = performance.now();
    const items = chunk.map((message) => this.prepare(topic, partition, message));
    const outcomes: Array<Outcome | undefined> = new Array(items.length);
    items.forEach((item, n) => {
      if (item.kind === 'event') return;
      outcomes[n] = this.deadLetterOf(item, item.reason, item.detail, 0);
    });
    const events = items
      .map((item, n) => ({ item, n }))
      .filter((e): e is { item: EventItem; n: number } => e.item.kind === 'event');

    let done = items.length;
    let together = false;
    if (events.length > 0) {
      try {
        const results = await this.transactions.add(events.map((e) => e.item));
        results.forEach((result, k) => {
          outcomes[(events[k] as { n: number }).n] = { result };
        });
        together = true;
      } catch (error) {
        const only = events.length === 1 ? (events[0] as { item: EventItem; n: number }) : null;
        if (only && error instanceof SharedTransactionFailure && error.chunk.includes(only.item)) {
          // The chunk's only event failed: that was its attempt, it is not run again.
          outcomes[only.n] = this.failureOf(only.item, error.failure.error);
          together = true;
        } else {
          // The shared transaction failed: each event of the chunk runs alone, so only the
          // failing one takes the failure path (the other partitions' chunks do the same). The
          // failing event is run once more as well; for a deadlock or serialization failure
          // caused by the batch that is the quick in-process retry (there is no other: any
          // further attempt waits on a retry topic, not in this loop).
          this.logger.info(
            { err: error, topic, partition, events: events.length },
            'shared transaction failed; handling the chunk event by event',
          );
        }
      }
    }
    if (!together) {
      for (const { item, n } of events) {
        try {
          const [result] = await this.applyInTransaction([item]);
          outcomes[n] = result && { result };
        } catch (error) {
          if (!(error instanceof HandlerFailure)) {
            // The store itself failed (database down, commit failed): not the event's fault, so
            // no attempt is spent; the partition waits and this event is read again.
            this.logger.warn(
              { err: error, eventId: item.event.eventId, topic, partition },
              'consumer transaction failed; pausing the partition',
            );
            done = n;
            break;
          }
          outcomes[n] = this.failureOf(item, error.error);
        }
      }
    }

    const publish = outcomes
      .slice(0, done)
      .flatMap((outcome) => (outcome?.record ? [outcome.record] : []));
    if (publish.length > 0) {
      try {
        // If these records cannot be published, nothing of the chunk is acknowledged: it is read
        // again, its committed events are duplicates, the failed ones fail and publish again.
        await this.publisher.send(publish);
      } catch (error) {
        this.logger.warn(
          { err: error, topic, partition },
          'retry/dead-letter records not published; pausing the partition',
        );
        return 0;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    for (let n = 0; n < done; n++) this.count(items[n] as Item, outcomes[n], seconds);
    return done;
  }

  private prepare(topic: string, partition: number, message: KafkaMessage): Item {
    const retried = this.retrySteps.has(topic)
      ? retryStateOf(message, topic, partition)
      : undefined;
    const origin = retried?.origin ?? { topic, partition, offset: message.offset };
    const decoded = this.registry.decode(message.value);
    if (!decoded.ok) {
      return {
        kind: 'undeliverable',
        message,
        origin,
        reason: decoded.reason,
        detail: decoded.detail,
      };
    }
    const event = decoded.event;
    const handler = this.handlers.get(EventRegistry.id(event.type, event.version));
    if (!handler) {
      // A type or version this group was not built for: an upgrade-ordering mistake, kept for
      // re-drive rather than silently acknowledged.
      const detail = `${this.options.groupId} has no handler for ${event.type} v${event.version}`;
      return { kind: 'undeliverable', message, origin, reason: 'NO_HANDLER', detail };
    }
    const context: EventContext = {
      ...origin,
      attempt: retried?.attempt ?? 1,
      consumerGroup: this.options.groupId,
    };
    return { kind: 'event', message, origin, event, handler, context };
  }

  /** A failed handler: the next retry topic, or the dead-letter topic. */
  private failureOf(item: EventItem, error: unknown): Outcome {
    const { attempt } = item.context;
    const detail = describe(error);
    const log = { eventId: item.event.eventId, type: item.event.type, attempt, err: error };
    if (error instanceof NonRetriableError) {
      this.logger.warn(log, 'handler failed permanently');
      return this.deadLetterOf(item, error.reason, detail, attempt);
    }
    const delayMs = this.retryDelaysMs[attempt - 1];
    if (delayMs === undefined) {
      this.logger.warn(log, 'handler failed on its last attempt');
      return this.deadLetterOf(item, 'RETRIES_EXHAUSTED', detail, attempt);
    }
    this.logger.warn({ ...log, delayMs }, 'handler failed; retrying through the retry topic');
    return {
      result: 'retried',
      record: retryRecord({
        message: item.message,
        origin: item.origin,
        consumerGroup: this.options.groupId,
        failedAttempt: attempt,
        delayMs,
        error: detail,
        now: this.clock(),
      }),
    };
  }

  /** Several partitions' chunks in one transaction; each chunk gets its own results back. */
  private async applyChunksTogether(
    chunks: readonly (readonly EventItem[])[],
  ): Promise<Array<Array<'processed' | 'duplicate'>>> {
    let results: Array<'processed' | 'duplicate'>;
    try {
      results = await this.applyInTransaction(chunks.flat());
    } catch (error) {
      if (!(error instanceof HandlerFailure)) throw error;
      let first = 0;
      const chunk = chunks.find((c) => (first += c.length) > error.index) ?? [];
      throw new SharedTransactionFailure(error, chunk);
    }
    this.groupSizes.observe({ group: this.options.groupId }, results.length);
    let from = 0;
    return chunks.map((chunk) => {
      const own = results.slice(from, from + chunk.length);
      from += chunk.length;
      return own;
    });
  }

  /**
   * Inbox rows, effects and follow-up events of `items` in one transaction. While tracing is on,
   * each new event is handled in its CONSUMER span, ended once the transaction settled.
   */
  private async applyInTransaction(
    items: readonly EventItem[],
  ): Promise<Array<'processed' | 'duplicate'>> {
    if (!tracingEnabled()) return this.applyItems(items, undefined);
    const spans: Span[] = [];
    try {
      const outcomes = await this.applyItems(items, spans);
      endConsumerSpans(spans);
      return outcomes;
    } catch (error) {
      endConsumerSpans(spans, error instanceof HandlerFailure ? error.error : error);
      throw error;
    }
  }

  private async applyItems(
    items: readonly EventItem[],
    spans: Span[] | undefined,
  ): Promise<Array<'processed' | 'duplicate'>> {
    const { store } = this.options;
    let committed: readonly OutboxEntry[] = [];
    const outcomes = await store.transaction(async (tx) => {
      const batch = new HandlerBatch(tx); // a retried transaction starts again
      const fresh = new Set(
        await store.recordInbox(
          tx,
          this.options.groupId,
          items.map(({ event, origin }) => ({ event, origin })),
        ),
      );
      const result: Array<'processed' | 'duplicate'> = [];
      for (const [index, item] of items.entries()) {
        // delete: the same event twice in one chunk is applied once.
        if (!fresh.delete(item.event.eventId)) {
          result.push('duplicate');
          continue;
        }
        const correlationId = headerText(item.message, HEADER.correlationId) ?? item.event.eventId;
        const scope = () => batch.scope(item.context, index, item.event.key);
        const handle = () => item.handler.handle(item.event as never, scope());
        const span = spans && this.consumerSpan(item);
        if (span) spans?.push(span);
        try {
          await runWithCorrelation({ correlationId }, () =>
            span ? runInSpan(span, handle) : handle(),
          );
        } catch (error) {
          throw new HandlerFailure(error, index);
        }
        result.push('processed');
      }
      await batch.flush((error, index) => new HandlerFailure(error, index));
      if (batch.outbox.length > 0) await store.appendOutbox(tx, batch.outbox);
      committed = batch.outbox;
      return result;
    });
    if (committed.length > 0) store.outboxCommitted();
    return outcomes;
  }

  private consumerSpan(item: EventItem): Span {
    return startConsumerSpan({
      ...item.context,
      key: item.event.key,
      eventId: item.event.eventId,
      eventType: item.event.type,
      headers: item.message.headers,
    });
  }

  private deadLetterOf(item: Item, reason: string, error: string, attempts: number): Outcome {
    // The original coordinates and headers, also for an event that comes from a retry topic.
    const record = deadLetterRecord({
      topic: item.origin.topic,
      partition: item.origin.partition,
      message: {
        ...item.message,
        offset: item.origin.offset,
        headers: withoutRetryHeaders(item.message.headers),
      } as KafkaMessage,
      consumerGroup: this.options.groupId,
      reason,
      error,
      attempts,
    });
    return {
      result: 'dead_lettered',
      reason,
      record: { ...record, topic: this.options.deadLetterTopic ?? record.topic },
    };
  }

  private count(item: Item, outcome: Outcome | undefined, seconds: number): void {
    if (!outcome) return;
    const { result } = outcome;
    const group = this.options.groupId;
    const topic = item.origin.topic;
    this.processed.inc({ group, topic, result });
    this.duration.observe({ group, topic }, seconds);
    const where = { topic, partition: item.origin.partition, offset: item.origin.offset };
    if (result === 'retried' && item.kind === 'event') {
      this.retries.inc({ group, topic, attempt: String(item.context.attempt + 1) });
    }
    if (result === 'dead_lettered') {
      const reason = outcome.reason ?? 'UNKNOWN';
      this.deadLetters.inc({ group, topic, reason });
      this.logger.warn({ ...where, reason }, 'event sent to the dead-letter topic');
    }
  }
}

/**
 * The handlers of one consumer transaction: the scope each gets, the follow-up events they add
 * (`outbox`, for `ConsumerStore.appendOutbox`) and the rows they stage, written by `flush` after
 * the last handler. The runner uses one per transaction; a test that drives handlers in a
 * transaction of its own uses one the same way:
 *   const batch = new HandlerBatch(tx);
 *   await handler.handle(event, batch.scope(context));
 *   await batch.flush();
 */
export class HandlerBatch<Tx> {
  readonly outbox: OutboxEntry[] = [];
  /** Writer → its rows, and the first event (its index) that staged one. */
  private readonly staged = new Map<ChunkWriter<unknown, Tx>, { rows: unknown[]; index: number }>();
  /** The flow (correlation, trace context) of each handled event, by the event's key. */
  private readonly flows = new Map<string, Flow>();

  /**
   * Adds to `outbox`: what handlers and writers get as their `Outbox`. A handler adds within its
   * event's flow, so its events carry that flow's correlation id and trace context. A writer
   * adds after the handlers, outside any flow: its event takes the flow of the handled event of
   * the same key (the saga's events are all keyed by order id), so `shipment.created`, written
   * by the logistics writer, continues the trace of the `payment.succeeded` that asked for it.
   */
  private readonly outboxAdder: Outbox = {
    add: <TType extends string, TPayload>(
      definition: EventDefinition<TType, TPayload>,
      payload: TPayload,
    ): EventEnvelope<TType, TPayload> => {
      const event = createEvent(definition, payload);
      const flow = currentCorrelation() ? undefined : this.flows.get(event.key);
      const entry = flow
        ? runWithFlow(flow, () => outboxEntryOf(definition, event))
        : outboxEntryOf(definition, event);
      this.outbox.push(entry);
      return event;
    },
  };

  constructor(readonly tx: Tx) {}

  /**
   * The scope of the `index`-th event of the transaction. Called in the event's flow, with its
   * `key`, the batch remembers that flow for the events writers add later (see `outbox`).
   */
  scope(context: EventContext, index = 0, key?: string): HandlerScope<Tx> {
    if (key !== undefined) {
      this.flows.set(key, { correlation: currentCorrelation(), trace: captureContext() });
    }
    const { staged } = this;
    return {
      tx: this.tx,
      context,
      outbox: this.outboxAdder,
      stage<Row>(writer: ChunkWriter<Row, Tx>, row: Row): void {
        const key = writer as ChunkWriter<unknown, Tx>;
        const batch = staged.get(key) ?? { rows: [], index };
        batch.rows.push(row);
        staged.set(key, batch);
      },
    };
  }

  /**
   * Writes the staged rows, writer by writer in the order they were first staged. A failed write
   * rejects with `failure(error, index)`, `index` being the first event that staged a row for it
   * (default: the error itself).
   */
  async flush(
    failure: (error: unknown, index: number) => unknown = (error) => error,
  ): Promise<void> {
    const writes = [...this.staged];
    this.staged.clear();
    for (const [writer, { rows, index }] of writes) {
      try {
        await writer.write(this.tx, rows, this.outboxAdder);
      } catch (error) {
        throw failure(error, index);
      }
    }
  }
}

/**
 * A new event as an outbox row: the envelope and the headers it will be published with. For
 * writers outside a handler (a handler uses `scope.outbox`), with `ConsumerStore.appendOutbox`.
 */
export function outboxEntry<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
): OutboxEntry {
  return outboxEntryOf(definition, createEvent(definition, payload));
}

/** The flow an event was handled in: what the events written for it later continue. */
interface Flow {
  readonly correlation: CorrelationContext | undefined;
  readonly trace: Context | undefined;
}

function runWithFlow<T>(flow: Flow, fn: () => T): T {
  const inTrace = () => runInContext(flow.trace, fn);
  return flow.correlation ? runWithCorrelation(flow.correlation, inTrace) : inTrace();
}

function outboxEntryOf<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  event: EventEnvelope<TType, TPayload>,
): OutboxEntry {
  const record = toRecord(definition, event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (typeof value === 'string') headers[name] = value;
  }
  return { topic: definition.topic, event, headers };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
