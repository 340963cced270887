import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  defineEvent,
  type EnvelopeOf,
  EventRegistry,
  PaymentSucceededV1,
  type TopicName,
} from '@seckill/contracts';
import { EventPublisher, type HandlerScope, KafkaConsumerRunner } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import {
  applyMigrations,
  createDatabase,
  createPgAdapter,
  dropDatabase,
  PrismaConsumerStore,
  uniqueDatabaseName,
} from '@seckill/persistence';
import { committedOffset, testEndpoints, uniqueName, waitFor } from '@seckill/testing';
import { LogisticsDatabase, type LogisticsTransaction } from '../database';
import { PaymentSucceededIntegrationEventHandler } from './payment-succeeded.handler';

/**
 * `payment.succeeded` → one shipment per order, through the real consumer runner on the real
 * broker into a database of the test's own, however often and under however many event ids the
 * payment of an order arrives.
 */
const endpoints = testEndpoints();
const { host, port, user, password } = endpoints.postgres;
const serverUrl = `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/postgres`;
const databaseName = uniqueDatabaseName('logistics_it');
const databaseUrl = serverUrl.replace(/\/postgres$/, `/${databaseName}`);

const kafka = new Kafka({
  clientId: 'logistics-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const logger = ServiceLogger.create(
  'logistics-it',
  (process.env.IT_LOG_LEVEL ?? 'error') as 'error',
);
const topic = uniqueName('it.payment.succeeded') as TopicName;
const deadLetterTopic = uniqueName('it.dead-letter');
const groupId = uniqueName('logistics-service-it');
const TestPaymentSucceeded = defineEvent({ ...PaymentSucceededV1, topic });

let db: LogisticsDatabase;

beforeAll(async () => {
  await createDatabase(serverUrl, databaseName);
  const prismaDir = path.join(__dirname, '..', '..', 'prisma');
  await applyMigrations({
    schemaPath: path.join(prismaDir, 'schema.prisma'),
    migrationsDir: path.join(prismaDir, 'migrations'),
    databaseUrl,
  });
  db = new LogisticsDatabase({ adapter: createPgAdapter(databaseUrl, { poolSize: 4 }) });
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
  // Also the retry topics a runner creates for its group, if it does.
  const retryTopics = (await admin.listTopics()).filter((t) => t.includes(groupId));
  await admin
    .deleteTopics({ topics: [topic, deadLetterTopic, ...retryTopics] })
    .catch(() => undefined);
  await admin.disconnect();
  await db.$disconnect();
  await dropDatabase(serverUrl, databaseName);
});

function runner(): KafkaConsumerRunner {
  const handler = new PaymentSucceededIntegrationEventHandler(logger);
  return new KafkaConsumerRunner(kafka, publisher, logger, new MetricsRegistry('logistics-it'), {
    groupId,
    registry: new EventRegistry([TestPaymentSucceeded]),
    deadLetterTopic,
    store: new PrismaConsumerStore(db),
    handlers: [
      {
        event: TestPaymentSucceeded,
        handle: (
          event: EnvelopeOf<typeof TestPaymentSucceeded>,
          scope: HandlerScope<LogisticsTransaction>,
        ) => handler.handle(event, scope),
      },
    ],
  });
}

it('creates one shipment per order and one shipment.created, under redelivery', async () => {
  const orderId = randomUUID();
  const payment = createEvent(TestPaymentSucceeded, {
    orderId,
    saleId: 'sale-1',
    userId: 'user-1',
    quantity: 2,
    paymentId: randomUUID(),
    amountCents: 3998,
  });
  const other = createEvent(TestPaymentSucceeded, {
    ...payment.payload,
    orderId: randomUUID(),
    paymentId: randomUUID(),
  });
  // The same event twice (a relay's duplicate publish) and the same payment under a new event
  // id (an upstream that emitted it again): still one shipment for the order.
  await publisher.publish(TestPaymentSucceeded, payment);
  await publisher.publish(TestPaymentSucceeded, payment);
  await publisher.publish(TestPaymentSucceeded, createEvent(TestPaymentSucceeded, payment.payload));
  await publisher.publish(TestPaymentSucceeded, other);

  const first = runner();
  await first.start();
  await waitFor(
    async () => (await committedOffset(admin, groupId, topic)) === '4',
    'all four deliveries to be processed and committed',
  );
  await first.stop();

  const shipment = await db.shipment.findUniqueOrThrow({ where: { orderId } });
  expect(shipment).toMatchObject({ quantity: 2, paymentId: payment.payload.paymentId });
  expect(shipment.trackingNumber).toMatch(/^SK[0-9A-F]{16}$/);
  expect(await db.shipment.count()).toBe(2);
  const events = await db.outboxEvent.findMany({ where: { key: orderId } });
  expect(events.map((e) => ({ type: e.type, payload: e.payload }))).toEqual([
    {
      type: 'shipment.created',
      payload: {
        orderId,
        saleId: 'sale-1',
        userId: 'user-1',
        quantity: 2,
        shipmentId: shipment.shipmentId,
        trackingNumber: shipment.trackingNumber,
      },
    },
  ]);

  // The group reads the topic again from the start (commits lost in a rebalance): nothing moves.
  const before = { shipments: await db.shipment.findMany(), outbox: await db.outboxEvent.count() };
  await admin.resetOffsets({ groupId, topic, earliest: true });
  const second = runner();
  await second.start();
  await waitFor(
    async () => (await committedOffset(admin, groupId, topic)) === '4',
    'the redelivered events to be committed again',
  );
  await second.stop();
  expect({ shipments: await db.shipment.findMany(), outbox: await db.outboxEvent.count() }).toEqual(
    before,
  );
});
