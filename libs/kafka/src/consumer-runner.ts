import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import {
  DEFAULT_RETRY_DELAYS_MS,
  EventRegistry,
  eventRegistry as defaultRegistry,
  retryTopic,
  retryTopicSpecs,
} from '@seckill/contracts';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { ChunkPlanner, type Halt } from './chunk-planner';
import { ChunkProcessor } from './chunk-processor';
import { ItemDecoder } from './consumed-item';
import { ConsumerMetrics } from './consumer-metrics';
import { ConsumerStore } from './consumer-store';
import { BackoffPolicy, DEFAULT_BACKOFF } from './errors';
import { FailureRouter } from './failure-routing';
import type { IntegrationEventHandler } from './handler-batch';
import { withHeartbeats } from './heartbeats';
import { InboxTransactions } from './inbox-transaction';
import { OffsetCommits } from './offset-commits';
import { provisionTopics } from './provisioning';
import { EventPublisher } from './publisher';
import { Clock, PausedPartitions } from './rate-limit';
import { RateCap, type YieldPolicy } from './rate-cap';
import { StallBackoff } from './stall-backoff';

// The handler contract and the rate-cap policy live with their parts; the runner's module is
// where the rest of the shop has always imported them from.
export type {
  ChunkWriter,
  EventContext,
  HandlerScope,
  IntegrationEventHandler,
} from './handler-batch';
export { HandlerBatch, outboxEntry, outboxEntryOf } from './handler-batch';
export type { YieldPolicy } from './rate-cap';

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
 *
 * This class is the orchestration (kafkajs wiring and the batch loop); the parts it drives:
 * chunk-planner.ts (chunk bounds, retry not due, rate-cap.ts), chunk-processor.ts (one chunk:
 * consumed-item.ts decodes, inbox-transaction.ts applies, failure-routing.ts routes failures),
 * offset-commits.ts, stall-backoff.ts and consumer-metrics.ts.
 */
export class KafkaConsumerRunner {
  private readonly consumer: Consumer;
  private readonly logger: ServiceLogger;
  private readonly retryDelaysMs: readonly number[];
  /** Retry topic → its step (0 for the first delay). */
  private readonly retrySteps = new Map<string, number>();
  private readonly rateCap: RateCap;
  private readonly planner: ChunkPlanner;
  private readonly chunks: ChunkProcessor;
  private readonly commits: OffsetCommits;
  private readonly stalls: StallBackoff;
  private readonly metrics: ConsumerMetrics;
  private readonly paused: PausedPartitions;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
    private readonly options: ConsumerRunnerOptions,
  ) {
    const { groupId } = options;
    const clock = options.clock ?? Date.now;
    this.logger = logger.child({ component: 'consumer', group: groupId });
    const maxBatchEvents = Math.max(
      1,
      Math.floor(options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS),
    );
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.retryDelaysMs.forEach((delayMs, step) => {
      this.retrySteps.set(retryTopic(groupId, delayMs), step);
    });
    const isRetryTopic = (topic: string) => this.retrySteps.has(topic);
    const decoder = new ItemDecoder(
      options.registry ?? defaultRegistry,
      groupId,
      options.handlers,
      isRetryTopic,
    );
    this.rateCap = new RateCap({
      maxEventsPerSecond: options.maxEventsPerSecond ?? DEFAULT_MAX_EVENTS_PER_SECOND,
      yieldTo: options.yieldTo,
      maxBatchEvents,
      fetchWaitMs: FETCH_WAIT_MS,
      clock,
    });
    this.planner = new ChunkPlanner({ maxBatchEvents, isRetryTopic, rateCap: this.rateCap, clock });
    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: FETCH_WAIT_MS,
      minBytes: FETCH_MIN_BYTES,
      retry: { retries: 10 },
    });
    this.paused = new PausedPartitions(this.consumer, (error, topic, partition) =>
      this.logger.debug({ err: error, topic, partition }, 'pause or resume of a partition failed'),
    );
    this.metrics = new ConsumerMetrics(metrics, groupId, this.rateCap.ratePerSecond);
    const router = new FailureRouter({
      groupId,
      retryDelaysMs: this.retryDelaysMs,
      deadLetterTopic: options.deadLetterTopic,
      clock,
      logger: this.logger,
    });
    const transactions = new InboxTransactions({
      store: options.store,
      groupId,
      maxBatchEvents,
      onShared: (events) => this.metrics.transaction(events),
    });
    this.chunks = new ChunkProcessor({
      decoder,
      transactions,
      router,
      publish: (records) => publisher.send(records),
      metrics: this.metrics,
      logger: this.logger,
    });
    this.commits = new OffsetCommits(this.logger);
    this.stalls = new StallBackoff(options.backoff ?? DEFAULT_BACKOFF);
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
        maxEventsPerSecond: this.rateCap.ratePerSecond,
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

  /** One fetched batch of one partition: chunk by chunk, each committed, until done or halted. */
  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    let next: string | undefined;
    let halt: Halt | undefined;
    let i = 0;
    while (i < messages.length && !halt) {
      if (!isRunning() || isStale() || this.stopping) break;
      const plan = this.planner.plan(topic, partition, messages, i);
      if (plan.end === i) {
        halt = plan.halt;
        break;
      }
      const chunk = messages.slice(i, plan.end);
      const done = await withHeartbeats(
        heartbeat,
        HEARTBEAT_INTERVAL_MS,
        () => this.chunks.process(topic, partition, chunk),
        (error) => this.logger.debug({ err: error, topic, partition }, 'heartbeat failed'),
      );
      if (done > 0) {
        const last = (chunk[done - 1] as KafkaMessage).offset;
        resolveOffset(last);
        next = (BigInt(last) + 1n).toString();
        if (!isStale()) await this.commits.commit(payload, topic, partition, next);
      }
      if (done < chunk.length) {
        const offset = (chunk[done] as KafkaMessage).offset;
        halt = { offset, delayMs: this.stalls.next(topic, partition), reason: 'unavailable' };
        break;
      }
      this.stalls.reset(topic, partition);
      i = plan.end;
      halt = plan.halt;
      await heartbeat();
    }
    next ??= messages[0]?.offset;
    if (next !== undefined) {
      const lag = Number(BigInt(batch.highWatermark) - BigInt(next));
      this.metrics.lagOf(topic, partition, Math.max(0, lag));
    }
    // Paused only after the commit: a pending seek makes kafkajs report the partition stale.
    if (halt && !this.stopping && isRunning() && !isStale()) {
      this.metrics.paused(halt.reason);
      this.logger.debug({ topic, partition, ...halt }, 'partition paused');
      this.paused.pauseUntil(topic, partition, halt.offset, halt.delayMs);
    }
  }
}
