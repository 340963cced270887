import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  defineEvent,
  EnvelopeOf,
  EventRegistry,
  OrderCancelledV1,
  OrderCreatedV1,
  retryTopic,
  TopicName,
} from '@seckill/contracts';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import {
  committedOffset,
  headerOf,
  readMessages,
  testEndpoints,
  uniqueName,
  waitFor,
} from '@seckill/testing';
import {
  type ChunkWriter,
  ConsumerRunnerOptions,
  DLQ_HEADER,
  EventContext,
  EventPublisher,
  HandlerScope,
  InMemoryConsumerStore,
  InMemoryTransaction,
  KafkaConsumerRunner,
  NonRetriableError,
  RETRY_HEADER,
  RetriableError,
} from './index';

const endpoints = testEndpoints();
const kafka = new Kafka({
  clientId: 'consumer-runner-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const logger = ServiceLogger.create(
  'consumer-runner-it',
  (process.env.IT_LOG_LEVEL ?? 'error') as 'error',
);

type TestEvent = EnvelopeOf<typeof OrderCreatedV1>;
type TestDefinition = typeof OrderCreatedV1;

/** Each test gets the catalogue's order.created schema on topics of its own. */
let topic: TopicName;
let deadLetterTopic: string;
let TestOrderCreated: TestDefinition;
let registry: EventRegistry;
const createdTopics: string[] = [];
const runners: KafkaConsumerRunner[] = [];

beforeEach(async () => {
  topic = uniqueName('it.order.created') as TopicName;
  deadLetterTopic = uniqueName('it.dead-letter');
  TestOrderCreated = defineEvent({ ...OrderCreatedV1, topic }) as TestDefinition;
  registry = new EventRegistry([TestOrderCreated]);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 1, replicationFactor: 1 },
      { topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1 },
    ],
  });
  createdTopics.push(topic, deadLetterTopic);
});

afterEach(async () => {
  // A failed test must not leave a consumer in the group behind.
  await Promise.all(runners.splice(0).map((r) => r.stop().catch(() => undefined)));
});

function order(orderId: string): TestEvent {
  return createEvent(TestOrderCreated, {
    orderId,
    saleId: 'sale-1',
    userId: `user-${orderId}`,
    quantity: 1,
    idempotencyKey: `key-${orderId}`,
    priceCents: 100,
    acceptedAt: new Date().toISOString(),
  });
}

/** Short retry delays: the mechanics are the same as with 1 s, 5 s, 30 s. */
const RETRY_DELAYS_MS = [150, 300];

function runnerFor(
  groupId: string,
  handle: (event: TestEvent, context: EventContext, effects: unknown[]) => Promise<void>,
  {
    store = new InMemoryConsumerStore(),
    metrics = new MetricsRegistry('it'),
    event = TestOrderCreated,
    ...options
  }: Partial<ConsumerRunnerOptions> & {
    store?: InMemoryConsumerStore;
    metrics?: MetricsRegistry;
    /** The event the handler is for (default: this test's order.created topic). */
    event?: TestDefinition;
  } = {},
) {
  const runner = new KafkaConsumerRunner(kafka, publisher, logger, metrics, {
    groupId,
    registry,
    deadLetterTopic,
    retryDelaysMs: RETRY_DELAYS_MS,
    store,
    handlers: [
      {
        event,
        handle: (received: TestEvent, scope: HandlerScope<InMemoryTransaction>) =>
          handle(received, scope.context, scope.tx.effects),
      },
    ],
    ...options,
  });
  createdTopics.push(...runner.retryTopics);
  runners.push(runner);
  return runner;
}

async function stop(runner: KafkaConsumerRunner): Promise<void> {
  runners.splice(runners.indexOf(runner), 1);
  await runner.stop();
}

function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}{`) &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  await admin.connect();
});

afterAll(async () => {
  await publisher.disconnect();
  await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
  await admin.disconnect();
});

describe('KafkaConsumerRunner on the real broker', () => {
  it('consumes an event published through libs/kafka, commits its offset and leaves the group on stop', async () => {
    const received: TestEvent[] = [];
    const groupId = uniqueName('it-happy');
    const runner = runnerFor(groupId, async (event) => {
      received.push(event);
    });
    await runner.start();
    const event = order('o-happy');
    await publisher.publish(TestOrderCreated, event);

    await waitFor(() => received.length === 1, 'the event to be handled');
    expect(received[0]).toEqual(event);
    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '1',
      'the offset after the event to be committed',
    );

    await stop(runner);
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]?.state).toBe('Empty');
    expect(groups[0]?.members).toHaveLength(0);
  });

  it('handles several events of a partition in one transaction', async () => {
    const groupId = uniqueName('it-batch');
    const store = new InMemoryConsumerStore();
    const handled: string[] = [];
    await publisher.send(
      Array.from({ length: 10 }, (_, i) => ({
        topic,
        key: 'k',
        value: JSON.stringify(order(`o-${i}`)),
      })),
    );
    const runner = runnerFor(groupId, async (event) => void handled.push(event.payload.orderId), {
      store,
      maxBatchEvents: 4,
    });
    await runner.start();
    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '10',
      'all ten offsets to be committed',
    );
    await stop(runner);
    expect(handled).toEqual(Array.from({ length: 10 }, (_, i) => `o-${i}`));
    // Published before the consumer joined, so they arrive in one fetch: chunks of 4, 4 and 2.
    expect(store.transactions).toBe(3);
    expect(store.inbox.size).toBe(10);
  });

  it('applies the events of several partitions in a shared transaction and commits every partition', async () => {
    const partitions = 6;
    const wide = uniqueName('it.order.created.wide') as TopicName;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: wide, numPartitions: partitions, replicationFactor: 1 }],
    });
    createdTopics.push(wide);
    const WideOrderCreated = defineEvent({ ...OrderCreatedV1, topic: wide }) as TestDefinition;
    registry = new EventRegistry([WideOrderCreated]);
    const groupId = uniqueName('it-wide');
    const store = new InMemoryConsumerStore();
    const handled: string[] = [];
    // One event on each partition, all there before the consumer joins: one fetch brings them.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: wide,
      messages: Array.from({ length: partitions }, (_, p) => ({
        partition: p,
        key: `k-${p}`,
        value: JSON.stringify(order(`o-wide-${p}`)),
      })),
    });
    await producer.disconnect();
    const runner = runnerFor(groupId, async (event) => void handled.push(event.payload.orderId), {
      store,
      event: WideOrderCreated,
    });
    await runner.start();
    await waitFor(async () => {
      const offsets = await admin.fetchOffsets({ groupId, topics: [wide] });
      return (offsets[0]?.partitions ?? []).filter((p) => p.offset === '1').length === partitions;
    }, 'every partition to commit its one offset');
    await stop(runner);
    expect([...handled].sort()).toEqual(
      Array.from({ length: partitions }, (_, p) => `o-wide-${p}`).sort(),
    );
    expect(store.inbox.size).toBe(partitions);
    // One partition at a time would have taken one transaction each.
    expect(store.transactions).toBeLessThan(partitions);
  });

  it('retries a retriable failure through the group retry topic, and the event then succeeds', async () => {
    const groupId = uniqueName('it-retry');
    const metrics = new MetricsRegistry('it');
    const store = new InMemoryConsumerStore();
    const runner = runnerFor(
      groupId,
      async (event, context, effects) => {
        if (event.payload.orderId === 'o-flaky' && context.attempt === 1) {
          throw new RetriableError('db blip');
        }
        effects.push({
          orderId: event.payload.orderId,
          attempt: context.attempt,
          offset: context.offset,
          topic: context.topic,
        });
      },
      { store, metrics },
    );
    await runner.start();
    await publisher.send(
      ['o-before', 'o-flaky', 'o-after'].map((id) => ({
        topic,
        key: 'k',
        value: JSON.stringify(order(id)),
      })),
    );

    await waitFor(() => store.effects.length === 3, 'all three events to be handled');
    await stop(runner);
    // The flaky one came back from the retry topic after the later event, as attempt 2, and
    // names where it was first read.
    expect(store.effects).toEqual([
      { orderId: 'o-before', attempt: 1, offset: '0', topic },
      { orderId: 'o-after', attempt: 1, offset: '2', topic },
      { orderId: 'o-flaky', attempt: 2, offset: '1', topic },
    ]);
    expect(store.inbox.size).toBe(3);
    const [retried] = await readMessages(kafka, retryTopic(groupId, RETRY_DELAYS_MS[0]!), 1);
    expect(headerOf(retried!, RETRY_HEADER.attempt)).toBe('2');
    expect(headerOf(retried!, RETRY_HEADER.originalTopic)).toBe(topic);
    expect(headerOf(retried!, RETRY_HEADER.originalOffset)).toBe('1');
    expect(headerOf(retried!, RETRY_HEADER.error)).toContain('db blip');
    expect(retried!.key?.toString()).toBe('k');
    const text = await metrics.text();
    expect(metricValue(text, 'seckill_event_retries_total', { group: groupId, attempt: '2' })).toBe(
      1,
    );
    expect(
      metricValue(text, 'seckill_events_processed_total', { group: groupId, result: 'processed' }),
    ).toBe(3);
    expect(await readMessagesOrNone(deadLetterTopic)).toBe(0);
  });

  it('dead-letters an event whose every attempt failed, with the original coordinates', async () => {
    const groupId = uniqueName('it-exhausted');
    const attempts: number[] = [];
    const runner = runnerFor(groupId, async (_event, context) => {
      attempts.push(context.attempt);
      throw new Error('always fails');
    });
    await runner.start();
    await publisher.send([{ topic, key: 'k', value: JSON.stringify(order('o-broken')) }]);

    const [dead] = await readMessages(kafka, deadLetterTopic, 1);
    await stop(runner);
    expect(attempts).toEqual([1, 2, 3]);
    expect({
      reason: headerOf(dead!, DLQ_HEADER.reason),
      originalTopic: headerOf(dead!, DLQ_HEADER.originalTopic),
      originalPartition: headerOf(dead!, DLQ_HEADER.originalPartition),
      originalOffset: headerOf(dead!, DLQ_HEADER.originalOffset),
      attempts: headerOf(dead!, DLQ_HEADER.attempts),
      group: headerOf(dead!, DLQ_HEADER.consumerGroup),
      retryHeader: headerOf(dead!, RETRY_HEADER.attempt),
    }).toEqual({
      reason: 'RETRIES_EXHAUSTED',
      originalTopic: topic,
      originalPartition: '0',
      originalOffset: '0',
      attempts: '3',
      group: groupId,
      retryHeader: undefined,
    });
    expect(headerOf(dead!, DLQ_HEADER.error)).toContain('always fails');
    expect(dead!.key?.toString()).toBe('k');
  });

  it('dead-letters poison events with their reason while later events on the partition are processed', async () => {
    const groupId = uniqueName('it-poison');
    const store = new InMemoryConsumerStore();
    // Valid, but not an event this group handles.
    const TestOrderCancelled = defineEvent({ ...OrderCancelledV1, topic });
    const runner = runnerFor(
      groupId,
      async (event, _context, effects) => {
        const { orderId } = event.payload;
        if (orderId === 'o-rejected') throw new NonRetriableError('card blocked', 'PAYMENT_RULE');
        effects.push(orderId);
      },
      { store, registry: new EventRegistry([TestOrderCreated, TestOrderCancelled]) },
    );

    // Offsets 0..5 on the one partition, poison mixed with good events, all in one chunk.
    const bad = { ...order('o-invalid'), payload: { orderId: 'o-invalid', quantity: -1 } };
    const unexpected = createEvent(TestOrderCancelled, {
      orderId: 'o-unexpected',
      saleId: 'sale-1',
      userId: 'user-1',
      quantity: 1,
      reason: 'USER_CANCELLED',
    });
    await publisher.send(
      [
        Buffer.from('{"this is": not json'),
        JSON.stringify(order('o-first')),
        JSON.stringify(bad),
        JSON.stringify(order('o-rejected')),
        JSON.stringify(unexpected),
        JSON.stringify(order('o-last')),
      ].map((value) => ({ topic, key: 'same-key', value })),
    );
    await runner.start();

    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '6',
      'every offset, poison included, to be committed',
    );
    await stop(runner);

    // Effects of committed transactions only: o-first ran in the failed chunk too, rolled back.
    expect(store.effects).toEqual(['o-first', 'o-last']);
    // The chunk's transaction failed on o-rejected; then one transaction per event, of which
    // the two good ones committed.
    expect(store.transactions).toBe(2);
    const dead = await readMessages(kafka, deadLetterTopic, 4);
    const summary = dead.map((m) => ({
      reason: headerOf(m, DLQ_HEADER.reason),
      offset: headerOf(m, DLQ_HEADER.originalOffset),
      originalTopic: headerOf(m, DLQ_HEADER.originalTopic),
      attempts: headerOf(m, DLQ_HEADER.attempts),
      group: headerOf(m, DLQ_HEADER.consumerGroup),
    }));
    const expected = (reason: string, offset: string, attempts: string) => ({
      reason,
      offset,
      originalTopic: topic,
      attempts,
      group: groupId,
    });
    expect(summary).toEqual([
      expected('MALFORMED_JSON', '0', '0'),
      expected('INVALID_PAYLOAD', '2', '0'),
      expected('PAYMENT_RULE', '3', '1'),
      expected('NO_HANDLER', '4', '0'),
    ]);
    // The original bytes and key travel unchanged, so a fixed event can be re-driven.
    expect(dead[0]?.value?.toString()).toBe('{"this is": not json');
    expect(dead[0]?.key?.toString()).toBe('same-key');
  });

  it("writes the rows staged by a transaction's handlers in one call; a row that breaks the write fails its event alone", async () => {
    const groupId = uniqueName('it-staged');
    const store = new InMemoryConsumerStore();
    const calls: string[][] = [];
    // One write for the whole chunk; a row it refuses makes the write throw, as a constraint would.
    const writer: ChunkWriter<string, InMemoryTransaction> = {
      async write(tx, rows) {
        calls.push([...rows]);
        if (rows.includes('o-refused')) throw new NonRetriableError('row refused', 'ROW_REFUSED');
        tx.effects.push(...rows);
      },
    };
    const runner = new KafkaConsumerRunner(kafka, publisher, logger, new MetricsRegistry('it'), {
      groupId,
      registry,
      deadLetterTopic,
      retryDelaysMs: RETRY_DELAYS_MS,
      store,
      handlers: [
        {
          event: TestOrderCreated,
          handle: async (event: TestEvent, scope: HandlerScope<InMemoryTransaction>) =>
            scope.stage(writer, event.payload.orderId),
        },
      ],
    });
    createdTopics.push(...runner.retryTopics);
    runners.push(runner);
    const ids = ['o-1', 'o-2', 'o-refused', 'o-4'];
    await publisher.send(
      ids.map((id) => ({ topic, key: 'same-key', value: JSON.stringify(order(id)) })),
    );
    await runner.start();
    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '4',
      'every offset to be committed',
    );
    await stop(runner);

    // The chunk's one write, refused; then one transaction (and one write) per event.
    expect(calls).toEqual([ids, ['o-1'], ['o-2'], ['o-refused'], ['o-4']]);
    expect(store.effects).toEqual(['o-1', 'o-2', 'o-4']);
    const dead = await readMessages(kafka, deadLetterTopic, 1);
    expect(
      dead.map((m) => [headerOf(m, DLQ_HEADER.reason), headerOf(m, DLQ_HEADER.originalOffset)]),
    ).toEqual([['ROW_REFUSED', '2']]);
  });

  it('applies nothing twice when the group reads the topic again from offset 0', async () => {
    const groupId = uniqueName('it-redelivery');
    const store = new InMemoryConsumerStore();
    const effects: string[] = [];
    const handle = async (event: TestEvent) => void effects.push(event.payload.orderId);
    const event = order('o-once');
    // The same event twice (a relay that crashed before marking it), and another one.
    await publisher.publish(TestOrderCreated, event);
    await publisher.publish(TestOrderCreated, event);
    await publisher.publish(TestOrderCreated, order('o-other'));

    const first = runnerFor(groupId, handle, { store });
    await first.start();
    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '3',
      'the three deliveries to be committed',
    );
    await stop(first);
    expect(effects).toEqual(['o-once', 'o-other']);

    await admin.resetOffsets({ groupId, topic, earliest: true });
    const metrics = new MetricsRegistry('it');
    const second = runnerFor(groupId, handle, { store, metrics });
    await second.start();
    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '3',
      'the redelivered events to be committed again',
    );
    await stop(second);
    expect(effects).toEqual(['o-once', 'o-other']);
    expect(store.inbox.size).toBe(2);
    expect(
      metricValue(await metrics.text(), 'seckill_events_processed_total', {
        group: groupId,
        result: 'duplicate',
      }),
    ).toBe(3);
  });

  it('commits the chunk in hand when stopped mid-chunk, then leaves the group', async () => {
    const groupId = uniqueName('it-stop');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const handled: string[] = [];
    await publisher.send(
      ['o-1', 'o-2', 'o-3'].map((id) => ({ topic, key: 'k', value: JSON.stringify(order(id)) })),
    );
    const runner = runnerFor(groupId, async (event) => {
      if (event.payload.orderId === 'o-1') {
        entered();
        await gate;
      }
      handled.push(event.payload.orderId);
    });
    await runner.start();
    await inHandler;
    const stopping = stop(runner); // SIGTERM while the chunk is in the handler
    release();
    await stopping;

    expect(handled).toEqual(['o-1', 'o-2', 'o-3']);
    expect(await committedOffset(admin, groupId, topic)).toBe('3');
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]?.members).toHaveLength(0);
  });

  it('keeps its membership while a handler runs longer than the session timeout', async () => {
    // kafkajs heartbeats only when asked; without the runner's heartbeats during a chunk, the
    // coordinator evicts the member after 10 s and the chunk is handed to a new member.
    const groupId = uniqueName('it-slow');
    const handled: string[] = [];
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const runner = runnerFor(groupId, async (event) => {
      entered();
      await new Promise((resolve) => setTimeout(resolve, 13_000));
      handled.push(event.payload.orderId);
    });
    await runner.start();
    await publisher.publish(TestOrderCreated, order('o-slow'));
    await inHandler;
    const memberBefore = (await admin.describeGroups([groupId])).groups[0]?.members[0]?.memberId;
    expect(memberBefore).toBeDefined();

    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '1',
      'the slow event to be committed',
      { timeoutMs: 30_000 },
    );
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]?.members.map((m) => m.memberId)).toEqual([memberBefore]);
    expect(handled).toEqual(['o-slow']);
  }, 60_000);

  it('with a rate cap, pauses the partition and still processes every event', async () => {
    const groupId = uniqueName('it-rate');
    const metrics = new MetricsRegistry('it');
    const handled = new Set<string>();
    await publisher.send(
      Array.from({ length: 60 }, (_, i) => ({
        topic,
        key: `k-${i % 3}`,
        value: JSON.stringify(order(`o-${i}`)),
      })),
    );
    const runner = runnerFor(groupId, async (event) => void handled.add(event.payload.orderId), {
      metrics,
      maxEventsPerSecond: 40,
      maxBatchEvents: 10,
    });
    await runner.start();
    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '60',
      'all sixty offsets to be committed',
    );
    await stop(runner);
    expect(handled.size).toBe(60);
    // 60 events against a bucket of 18 (10 + 40/s × 0.2 s): it must have run dry and paused.
    expect(
      metricValue(await metrics.text(), 'seckill_consumer_pauses_total', {
        group: groupId,
        reason: 'rate_limit',
      }),
    ).toBeGreaterThan(0);
  });
});

describe('yielding to a busier workload', () => {
  it('while busy, runs at the lower rate and pauses for it; once idle, drains the rest', async () => {
    const groupId = uniqueName('it-yield');
    const metrics = new MetricsRegistry('it');
    const handled = new Set<string>();
    let busy = true;
    await publisher.send(
      Array.from({ length: 40 }, (_, i) => ({
        topic,
        key: `k-${i % 3}`,
        value: JSON.stringify(order(`y-${i}`)),
      })),
    );
    const runner = runnerFor(groupId, async (event) => void handled.add(event.payload.orderId), {
      metrics,
      maxBatchEvents: 5,
      yieldTo: { busy: () => busy, maxEventsPerSecond: 5 },
    });
    await runner.start();
    // A bucket of 6 (5 + 5/s × 0.2 s) at 5 events/s: it runs dry and pauses, whatever the speed.
    await waitFor(
      async () =>
        metricValue(await metrics.text(), 'seckill_consumer_pauses_total', {
          group: groupId,
          reason: 'yield',
        }) > 0,
      'the runner to pause for the busy workload',
    );
    expect(handled.size).toBeLessThan(40);
    busy = false;
    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '40',
      'all forty offsets to be committed once the workload is idle',
    );
    await stop(runner);
    expect(handled.size).toBe(40);
  });
});

/** How many messages a topic holds (0 for an empty one), without waiting for any. */
async function readMessagesOrNone(name: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(name);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}
