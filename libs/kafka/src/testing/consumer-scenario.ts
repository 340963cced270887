import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import {
  defineEvent,
  type EnvelopeOf,
  type EventDefinition,
  EventRegistry,
  type TopicName,
} from '@seckill/contracts';
import type { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { type ConsumerRunnerOptions, KafkaConsumerRunner } from '../consumer-runner';
import type { EventPublisher } from '../publisher';

export interface ConsumerScenarioOptions extends ConsumerRunnerOptions {
  readonly kafka: Kafka;
  /** Connected by the caller; used for the topics and the group's offsets. */
  readonly admin: Admin;
  readonly publisher: EventPublisher;
  readonly logger: ServiceLogger;
  readonly metrics: MetricsRegistry;
  /**
   * Partitions of each of the handlers' topics (default 1); with more, the runner handles them
   * at once (`partitionsConsumedConcurrently`) and their chunks share a transaction.
   */
  readonly partitions?: number;
}

/**
 * For integration tests: one consumer group, through the real `KafkaConsumerRunner`, on the
 * topics of its handlers' events (one partition each, unless `partitions` says more). It creates
 * those topics, runs the group, waits for it to commit what was published and replays everything
 * from the start, as after commits lost in a rebalance. Free of Jest, so that it can live here,
 * next to the runner.
 */
export class ConsumerScenario {
  private runner: KafkaConsumerRunner | undefined;
  private retryTopics: readonly string[] = [];

  private constructor(private readonly options: ConsumerScenarioOptions) {}

  /** `definition` on a topic no other test uses (`it.<topic>-<random>`). */
  static ownTopic<TType extends string, TPayload>(
    definition: EventDefinition<TType, TPayload>,
  ): EventDefinition<TType, TPayload> {
    const topic = `it.${definition.topic}-${randomUUID().slice(0, 8)}` as TopicName;
    return defineEvent({ ...definition, topic });
  }

  /** Creates the topics of the handlers' events (those that exist are left as they are). */
  static async create(options: ConsumerScenarioOptions): Promise<ConsumerScenario> {
    const scenario = new ConsumerScenario(options);
    await options.admin.createTopics({
      waitForLeaders: true,
      topics: scenario.topics.map((topic) => ({
        topic,
        numPartitions: options.partitions ?? 1,
        replicationFactor: 1,
      })),
    });
    return scenario;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** The topics of the handlers' events. */
  get topics(): string[] {
    return [...new Set(this.options.handlers.map((h) => h.event.topic))];
  }

  /** Starts a runner of the group (a new one: a stopped kafkajs consumer is not restarted). */
  async start(): Promise<void> {
    await this.stop();
    const { kafka, publisher, logger, metrics, handlers } = this.options;
    const runner = new KafkaConsumerRunner(kafka, publisher, logger, metrics, {
      ...this.options,
      registry: this.options.registry ?? new EventRegistry(handlers.map((h) => h.event)),
    });
    this.retryTopics = runner.retryTopics;
    this.runner = runner;
    await runner.start();
  }

  /** Stops the running runner, if any. */
  async stop(): Promise<void> {
    const running = this.runner;
    this.runner = undefined;
    await running?.stop();
  }

  /** Publishes and waits for the group to have processed it (so the next one comes after). */
  async deliver<TType extends string, TPayload>(
    definition: EventDefinition<TType, TPayload>,
    event: EnvelopeOf<EventDefinition<TType, TPayload>>,
  ): Promise<void> {
    await this.options.publisher.publish(definition, event);
    await this.drained(definition.topic);
  }

  /**
   * Waits until the group has processed and committed everything published so far to `topics`:
   * its committed offset is the end of every partition.
   */
  async drained(...topics: string[]): Promise<void> {
    const { admin, groupId } = this.options;
    const names = topics.length > 0 ? topics : this.topics;
    const ends: Array<{ topic: string; partition: number; high: string }> = [];
    for (const topic of names) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        ends.push({ topic, partition, high });
      }
    }
    await poll(
      async () => {
        const offsets = await admin.fetchOffsets({ groupId, topics: names });
        const committed = (topic: string, partition: number) =>
          offsets.find((o) => o.topic === topic)?.partitions.find((p) => p.partition === partition)
            ?.offset;
        // An empty partition is drained whatever the group has for it: nothing (-1), or the
        // "earliest" marker (-2) that a reset leaves until a message is consumed.
        return ends.every(
          ({ topic, partition, high }) => high === '0' || committed(topic, partition) === high,
        );
      },
      `${groupId} to commit everything published to ${names.join(', ')}`,
    );
  }

  /** The group reads its topics again from the start, as after commits lost in a rebalance. */
  async replayEverything(): Promise<void> {
    await this.stop();
    const { admin, groupId } = this.options;
    for (const topic of this.topics) await admin.resetOffsets({ groupId, topic, earliest: true });
    await this.start();
    await this.drained();
  }

  /** Stops the group and deletes its topics and its retry topics. */
  async cleanup(): Promise<void> {
    await this.stop();
    const existing = new Set(await this.options.admin.listTopics());
    const topics = [...this.topics, ...this.retryTopics].filter((t) => existing.has(t));
    // Best effort: a topic left behind costs nothing but space, a failing afterAll a red run.
    if (topics.length > 0) await this.options.admin.deleteTopics({ topics }).catch(() => undefined);
  }
}

/**
 * Polls `condition` until it holds; a check that fails counts as "not yet". The bound is a safety
 * net for a broken system, not a timing. (libs/testing's `waitFor`, which libs/kafka may not use.)
 */
async function poll(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after 30 s waiting for ${what}`);
    await sleep(100);
  }
}
