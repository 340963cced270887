import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createEvent, SalePublishedV1 } from '@seckill/contracts';
import { ConsumerScenario, EventPublisher, onTopic } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { createPgAdapter, PrismaConsumerStore, ScratchDatabase } from '@seckill/persistence';
import { postgresServerUrl, testEndpoints, uniqueName, waitFor } from '@seckill/testing';
import { InventoryDatabase } from '../database';
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
const deadLetterTopic = uniqueName('it.dead-letter');
const TestSalePublished = ConsumerScenario.ownTopic(SalePublishedV1);
const scenarios: ConsumerScenario[] = [];

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
    topics: [{ topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1 }],
  });
});

afterAll(async () => {
  for (const scenario of scenarios) await scenario.cleanup();
  await publisher.disconnect();
  await admin.deleteTopics({ topics: [deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  await db.$disconnect();
  await database.drop();
});

/** A consumer group of its own on the file's sale.published topic, not started yet. */
async function group(): Promise<ConsumerScenario> {
  const scenario = await ConsumerScenario.create({
    kafka,
    admin,
    publisher,
    logger,
    metrics: new MetricsRegistry('inventory-it'),
    groupId: uniqueName('inventory-service-it'),
    deadLetterTopic,
    store: new PrismaConsumerStore(db),
    handlers: [onTopic(handler, TestSalePublished)],
  });
  scenarios.push(scenario);
  return scenario;
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
  const consumer = await group();
  const { groupId } = consumer;
  const event = salePublished(100);
  // Published twice, as a relay does when it crashes between the publish and marking it sent.
  await publisher.publish(TestSalePublished, event);
  await publisher.publish(TestSalePublished, event);

  await consumer.start();
  await consumer.drained();
  await consumer.stop();

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
  await consumer.replayEverything();
  await consumer.stop();

  expect(await db.saleStock.findUnique({ where: { saleId: event.payload.saleId } })).toMatchObject({
    initialStock: 100,
    available: 97,
    reserved: 3,
  });
  expect(await db.inboxEvent.count({ where: { consumerGroup: groupId } })).toBe(1);
  expect(await db.saleStock.count({ where: { saleId: event.payload.saleId } })).toBe(1);
});

it('keeps the first stock row when another event names the same sale', async () => {
  const consumer = await group();
  const { groupId } = consumer;
  const first = salePublished(10);
  const other = createEvent(TestSalePublished, { ...first.payload, stock: 99 });
  await publisher.publish(TestSalePublished, first);
  await publisher.publish(TestSalePublished, other);
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
