import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  defineEvent,
  EnvelopeOf,
  EventRegistry,
  OrderCreatedV1,
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
  DLQ_HEADER,
  EventContext,
  EventPublisher,
  HandlerScope,
  InMemoryConsumerStore,
  KafkaConsumerRunner,
  NonRetriableError,
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

function runnerFor(
  groupId: string,
  handle: (event: TestEvent, context: EventContext) => Promise<void>,
  store = new InMemoryConsumerStore(),
) {
  return new KafkaConsumerRunner(kafka, publisher, logger, new MetricsRegistry('it'), {
    groupId,
    registry,
    deadLetterTopic,
    backoff: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
    store,
    handlers: [
      {
        event: TestOrderCreated,
        handle: (event: TestEvent, scope: HandlerScope) => handle(event, scope.context),
      },
    ],
  });
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

    await runner.stop();
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]?.state).toBe('Empty');
    expect(groups[0]?.members).toHaveLength(0);
  });

  it('dead-letters poison events with their reason while later events on the partition are processed', async () => {
    const groupId = uniqueName('it-poison');
    const handled: Array<{ orderId: string; attempt: number }> = [];
    const runner = runnerFor(groupId, async (event, context) => {
      const { orderId } = event.payload;
      if (orderId === 'o-rejected') throw new NonRetriableError('card blocked', 'PAYMENT_RULE');
      if (orderId === 'o-flaky' && context.attempt === 1) throw new RetriableError('db blip');
      if (orderId === 'o-broken') throw new Error('always fails');
      handled.push({ orderId, attempt: context.attempt });
    });

    // Offsets 0..5 on the one partition, poison mixed with good events.
    const bad = { ...order('o-invalid'), payload: { orderId: 'o-invalid', quantity: -1 } };
    await publisher.send(
      [
        Buffer.from('{"this is": not json'),
        JSON.stringify(order('o-first')),
        JSON.stringify(bad),
        JSON.stringify(order('o-rejected')),
        JSON.stringify(order('o-flaky')),
        JSON.stringify(order('o-broken')),
        JSON.stringify(order('o-last')),
      ].map((value) => ({ topic, key: 'same-key', value })),
    );
    await runner.start();

    await waitFor(
      async () => (await committedOffset(admin, groupId, topic)) === '7',
      'every offset, poison included, to be committed',
    );
    await runner.stop();

    expect(handled).toEqual([
      { orderId: 'o-first', attempt: 1 },
      { orderId: 'o-flaky', attempt: 2 },
      { orderId: 'o-last', attempt: 1 },
    ]);
    const dead = await readMessages(kafka, deadLetterTopic, 4);
    const summary = dead.map((m) => ({
      reason: headerOf(m, DLQ_HEADER.reason),
      offset: headerOf(m, DLQ_HEADER.originalOffset),
      originalTopic: headerOf(m, DLQ_HEADER.originalTopic),
      attempts: headerOf(m, DLQ_HEADER.attempts),
      group: headerOf(m, DLQ_HEADER.consumerGroup),
    }));
    expect(summary).toEqual([
      {
        reason: 'MALFORMED_JSON',
        offset: '0',
        originalTopic: topic,
        attempts: '0',
        group: groupId,
      },
      {
        reason: 'INVALID_PAYLOAD',
        offset: '2',
        originalTopic: topic,
        attempts: '0',
        group: groupId,
      },
      { reason: 'PAYMENT_RULE', offset: '3', originalTopic: topic, attempts: '1', group: groupId },
      {
        reason: 'RETRIES_EXHAUSTED',
        offset: '5',
        originalTopic: topic,
        attempts: '3',
        group: groupId,
      },
    ]);
    // The original bytes and key travel unchanged, so a fixed event can be re-driven.
    expect(dead[0]?.value?.toString()).toBe('{"this is": not json');
    expect(dead[0]?.key?.toString()).toBe('same-key');
    expect(headerOf(dead[3]!, DLQ_HEADER.error)).toContain('always fails');
  });
});
