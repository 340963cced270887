import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  defineEvent,
  type EnvelopeOf,
  EventRegistry,
  SalePublishedV1,
  type TopicName,
} from '@seckill/contracts';
import { EventPublisher, type HandlerScope, KafkaConsumerRunner } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { createPgAdapter, PrismaConsumerStore, ScratchDatabase } from '@seckill/persistence';
import {
  committedOffset,
  postgresServerUrl,
  testEndpoints,
  uniqueName,
  waitFor,
} from '@seckill/testing';
import { InventoryDatabase, type InventoryTransaction } from '../database';
import { SalePublishedIntegrationEventHandler } from './sale-published.handler';

/**
 * `sale.published` → the authoritative stock row, through the real consumer runner on the real
 * broker into a database of the test's own: created once, and a redelivered event (a duplicate
 * publish, or the group re-reading the topic after a lost commit) changes nothing.
 */
const endpoints = testEndpoints();

const kafka = new Kafka({
  clientId: 'inventory-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const logger = ServiceLogger.create(
  'inventory-it',
  (process.env.IT_LOG_LEVEL ?? 'error') as 'error',
);
const topic = uniqueName('it.sale.published') as TopicName;
const deadLetterTopic = uniqueName('it.dead-letter');
const TestSalePublished = defineEvent({ ...SalePublishedV1, topic });

let database: ScratchDatabase;
let db: InventoryDatabase;
let handler: SalePublishedIntegrationEventHandler;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'inventory_it',
    prismaDir: path.join(__dirname, '..', '..', 'prisma'),
  });
  db = new InventoryDatabase({ adapter: createPgAdapter(database.url, { poolSize: 4 }) });
  handler = new SalePublishedIntegrationEventHandler(logger);
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topic, deadLetterTopic].map((t) => ({
      topic: t,
      numPartitions: 1,
      replicationFactor: 1,
    })),
  });
});

afterAll(async () => {
  await publisher.disconnect();
  await admin.deleteTopics({ topics: [topic, deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  await db.$disconnect();
  await database.drop();
});

function runner(groupId: string): KafkaConsumerRunner {
  return new KafkaConsumerRunner(kafka, publisher, logger, new MetricsRegistry('inventory-it'), {
    groupId,
    registry: new EventRegistry([TestSalePublished]),
    deadLetterTopic,
    store: new PrismaConsumerStore(db),
    handlers: [
      {
        event: TestSalePublished,
        handle: (
          event: EnvelopeOf<typeof TestSalePublished>,
          scope: HandlerScope<InventoryTransaction>,
        ) => handler.handle(event, scope),
      },
    ],
  });
}

function salePublished(stock: number) {
  const now = Date.now();
  return createEvent(TestSalePublished, {
    saleId: randomUUID(),
    name: 'Phone',
    priceCents: 1999,
    stock,
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    perUserLimit: 1,
  });
}

it('creates the stock row exactly once, however often the event is delivered', async () => {
  const groupId = uniqueName('inventory-service-it');
  const event = salePublished(100);
  // Published twice, as a relay does when it crashes between the publish and marking it sent.
  await publisher.publish(TestSalePublished, event);
  await publisher.publish(TestSalePublished, event);

  const first = runner(groupId);
  await first.start();
  await waitFor(
    async () => (await committedOffset(admin, groupId, topic)) === '2',
    'both deliveries to be processed and committed',
  );
  await first.stop();

  expect(await db.saleStock.findUnique({ where: { saleId: event.payload.saleId } })).toMatchObject({
    initialStock: 100,
    available: 100,
    reserved: 0,
    released: 0,
  });
  expect(await db.inboxEvent.count({ where: { consumerGroup: groupId } })).toBe(1);

  // Stock moves on (the saga reserves some), then the group reads the topic again from the
  // start, as after a commit lost in a rebalance: nothing is reset.
  await db.saleStock.update({
    where: { saleId: event.payload.saleId },
    data: { available: 97, reserved: 3 },
  });
  await admin.resetOffsets({ groupId, topic, earliest: true });
  const second = runner(groupId);
  await second.start();
  await waitFor(
    async () => (await committedOffset(admin, groupId, topic)) === '2',
    'the redelivered events to be committed again',
  );
  await second.stop();

  expect(await db.saleStock.findUnique({ where: { saleId: event.payload.saleId } })).toMatchObject({
    initialStock: 100,
    available: 97,
    reserved: 3,
  });
  expect(await db.inboxEvent.count({ where: { consumerGroup: groupId } })).toBe(1);
  expect(await db.saleStock.count({ where: { saleId: event.payload.saleId } })).toBe(1);
});

it('keeps the first stock row when another event names the same sale', async () => {
  const groupId = uniqueName('inventory-service-it');
  const first = salePublished(10);
  const other = createEvent(TestSalePublished, { ...first.payload, stock: 99 });
  await publisher.publish(TestSalePublished, first);
  await publisher.publish(TestSalePublished, other);
  const consumer = runner(groupId);
  await consumer.start();
  await waitFor(
    async () => (await db.inboxEvent.count({ where: { consumerGroup: groupId } })) >= 2,
    'both events to be applied',
  );
  await consumer.stop();
  expect(await db.saleStock.findUnique({ where: { saleId: first.payload.saleId } })).toMatchObject({
    initialStock: 10,
    available: 10,
  });
});
