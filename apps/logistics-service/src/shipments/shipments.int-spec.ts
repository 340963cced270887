import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  defineEvent,
  type EnvelopeOf,
  EventRegistry,
  PaymentRefundedV1,
  PaymentSucceededV1,
  type TopicName,
} from '@seckill/contracts';
import {
  type EventContext,
  EventPublisher,
  type HandlerScope,
  KafkaConsumerRunner,
  type Outbox,
} from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { createPgAdapter, PrismaConsumerStore, ScratchDatabase } from '@seckill/persistence';
import {
  committedOffset,
  postgresServerUrl,
  testEndpoints,
  uniqueName,
  waitFor,
} from '@seckill/testing';
import { LogisticsDatabase, type LogisticsTransaction } from '../database';
import { PaymentRefundedIntegrationEventHandler } from './payment-refunded.handler';
import { PaymentSucceededIntegrationEventHandler } from './payment-succeeded.handler';
import { ShipmentStatus } from './shipment-status';

/**
 * `payment.succeeded` → one shipment per order, through the real consumer runner on the real
 * broker into a database of the test's own, however often and under however many event ids the
 * payment of an order arrives; `payment.refunded` → that shipment recalled, or a tombstone when
 * the refund comes first, so the late payment ships nothing.
 */
const endpoints = testEndpoints();

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
const refundTopic = uniqueName('it.payment.refunded') as TopicName;
const TestPaymentSucceeded = defineEvent({ ...PaymentSucceededV1, topic });
const TestPaymentRefunded = defineEvent({ ...PaymentRefundedV1, topic: refundTopic });

let database: ScratchDatabase;
let db: LogisticsDatabase;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'logistics_it',
    prismaDir: path.join(__dirname, '..', '..', 'prisma'),
  });
  db = new LogisticsDatabase({ adapter: createPgAdapter(database.url, { poolSize: 4 }) });
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topic, refundTopic, deadLetterTopic].map((t) => ({
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
    .deleteTopics({ topics: [topic, refundTopic, deadLetterTopic, ...retryTopics] })
    .catch(() => undefined);
  await admin.disconnect();
  await db.$disconnect();
  await database.drop();
});

function runner(): KafkaConsumerRunner {
  const handler = new PaymentSucceededIntegrationEventHandler(logger);
  const refunds = new PaymentRefundedIntegrationEventHandler(logger);
  return new KafkaConsumerRunner(kafka, publisher, logger, new MetricsRegistry('logistics-it'), {
    groupId,
    registry: new EventRegistry([TestPaymentSucceeded, TestPaymentRefunded]),
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
      {
        event: TestPaymentRefunded,
        handle: (
          event: EnvelopeOf<typeof TestPaymentRefunded>,
          scope: HandlerScope<LogisticsTransaction>,
        ) => refunds.handle(event, scope),
      },
    ],
  });
}

/** The end of a one-partition topic: the offset a group commits once it has read everything. */
async function endOffset(t: string): Promise<string> {
  const [partition] = await admin.fetchTopicOffsets(t);
  return partition?.offset ?? '0';
}

/** Runs a consumer until the group has committed everything published so far on both topics. */
async function drain(what: string): Promise<void> {
  const ends = { payments: await endOffset(topic), refunds: await endOffset(refundTopic) };
  const consumer = runner();
  await consumer.start();
  try {
    await waitFor(async () => {
      const [payments, refunds] = await Promise.all([
        committedOffset(admin, groupId, topic),
        committedOffset(admin, groupId, refundTopic),
      ]);
      // '-1': nothing committed yet, which is everything when the topic is still empty.
      const done = (committed: string, end: string): boolean =>
        committed === end || (end === '0' && committed === '-1');
      return done(payments, ends.payments) && done(refunds, ends.refunds);
    }, what);
  } finally {
    await consumer.stop();
  }
}

function paymentOf(orderId: string): EnvelopeOf<typeof TestPaymentSucceeded> {
  return createEvent(TestPaymentSucceeded, {
    orderId,
    saleId: 'sale-2',
    userId: `user-${orderId.slice(0, 8)}`,
    quantity: 1,
    paymentId: randomUUID(),
    amountCents: 1999,
  });
}

function refundOf(
  payment: EnvelopeOf<typeof TestPaymentSucceeded>,
): EnvelopeOf<typeof TestPaymentRefunded> {
  return createEvent(TestPaymentRefunded, {
    ...payment.payload,
    reason: 'order cancelled: payment deadline passed',
  });
}

async function outboxTypes(orderId: string): Promise<string[]> {
  const rows = await db.outboxEvent.findMany({ where: { key: orderId }, orderBy: { id: 'asc' } });
  return rows.map((r) => r.type);
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

it('recalls a shipment once when its payment is refunded; redelivery changes nothing', async () => {
  const payment = paymentOf(randomUUID());
  const unrelated = paymentOf(randomUUID());
  const { orderId } = payment.payload;
  await publisher.publish(TestPaymentSucceeded, payment);
  await publisher.publish(TestPaymentSucceeded, unrelated);
  await drain('the payments to be processed');
  const shipped = await db.shipment.findUniqueOrThrow({ where: { orderId } });
  expect(shipped).toMatchObject({ status: ShipmentStatus.Created, cancelledAt: null });

  const refund = refundOf(payment);
  await publisher.publish(TestPaymentRefunded, refund);
  await drain('the refund to be processed');
  const recalled = await db.shipment.findUniqueOrThrow({ where: { orderId } });
  expect(recalled).toEqual({
    ...shipped,
    status: ShipmentStatus.Cancelled,
    cancelledAt: expect.any(Date),
  });

  // The same refund again (a duplicate publish), the refund under a new event id, and the payment
  // under a new event id: the recalled shipment stays as it is, and nothing more is emitted.
  await publisher.publish(TestPaymentRefunded, refund);
  await publisher.publish(TestPaymentRefunded, refundOf(payment));
  await publisher.publish(TestPaymentSucceeded, createEvent(TestPaymentSucceeded, payment.payload));
  await drain('the repeated events to be processed');
  expect(await db.shipment.findUniqueOrThrow({ where: { orderId } })).toEqual(recalled);
  expect(await outboxTypes(orderId)).toEqual(['shipment.created']);

  // The other order still ships.
  expect(
    await db.shipment.findUniqueOrThrow({ where: { orderId: unrelated.payload.orderId } }),
  ).toMatchObject({ status: ShipmentStatus.Created, cancelledAt: null });
  expect(await outboxTypes(unrelated.payload.orderId)).toEqual(['shipment.created']);
});

it('leaves a tombstone when the refund overtakes payment.succeeded: the order never ships', async () => {
  const payment = paymentOf(randomUUID());
  const unrelated = paymentOf(randomUUID());
  const { orderId } = payment.payload;
  // payment.refunded and payment.succeeded travel on different topics: the refund can be read
  // first.
  await publisher.publish(TestPaymentRefunded, refundOf(payment));
  await drain('the refund to be processed');
  const tombstone = await db.shipment.findUniqueOrThrow({ where: { orderId } });
  expect(tombstone).toMatchObject({
    orderId,
    paymentId: payment.payload.paymentId,
    trackingNumber: null,
    status: ShipmentStatus.Cancelled,
    cancelledAt: expect.any(Date),
  });

  await publisher.publish(TestPaymentSucceeded, payment);
  await publisher.publish(TestPaymentSucceeded, unrelated);
  await drain('the late payment to be processed');
  expect(await db.shipment.findMany({ where: { orderId } })).toEqual([tombstone]);
  expect(await outboxTypes(orderId)).toEqual([]);
  expect(
    await db.shipment.findUniqueOrThrow({ where: { orderId: unrelated.payload.orderId } }),
  ).toMatchObject({ status: ShipmentStatus.Created, cancelledAt: null });
  expect(await outboxTypes(unrelated.payload.orderId)).toEqual(['shipment.created']);

  // The group reads both topics again from the start: nothing moves.
  const before = { shipments: await db.shipment.findMany(), outbox: await db.outboxEvent.count() };
  await admin.resetOffsets({ groupId, topic, earliest: true });
  await admin.resetOffsets({ groupId, topic: refundTopic, earliest: true });
  await drain('both topics to be re-read');
  expect({ shipments: await db.shipment.findMany(), outbox: await db.outboxEvent.count() }).toEqual(
    before,
  );
});

it('recalls a shipment whose insert commits while the refund waits on it', async () => {
  // Both handlers called directly, each in a transaction of its own, to force the interleaving
  // the consumer's two topics allow: payment.succeeded has inserted its shipment but not yet
  // committed when the refund arrives. The refund's tombstone insert must wait for it, yield, and
  // recall the shipment; a lookup-then-insert would miss it and leave it shipping.
  const payment = paymentOf(randomUUID());
  const { orderId } = payment.payload;
  const context: EventContext = {
    topic,
    partition: 0,
    offset: '0',
    attempt: 1,
    consumerGroup: groupId,
  };
  const added: string[] = [];
  const outbox: Outbox = {
    add: (definition, payload) => {
      added.push(definition.type);
      return createEvent(definition, payload);
    },
  };
  let commitPayment!: () => void;
  const paymentMayCommit = new Promise<void>((resolve) => (commitPayment = resolve));
  let paymentInserted!: () => void;
  const inserted = new Promise<void>((resolve) => (paymentInserted = resolve));
  // Generous transaction bounds: a safety net, the test waits on the lock, not on time.
  const bounds = { maxWait: 30_000, timeout: 120_000 };
  const paying = db.$transaction(async (tx) => {
    await new PaymentSucceededIntegrationEventHandler(logger).handle(payment, {
      tx,
      outbox,
      context,
    });
    paymentInserted();
    await paymentMayCommit;
  }, bounds);
  let refunding: Promise<void> | undefined;
  try {
    await inserted;
    refunding = db.$transaction(
      (tx) =>
        new PaymentRefundedIntegrationEventHandler(logger).handle(refundOf(payment), {
          tx,
          outbox,
          context: { ...context, topic: refundTopic },
        }),
      bounds,
    );
    await waitFor(async () => {
      const waiting = await db.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return Number(waiting[0]?.n ?? 0) === 1;
    }, "the refund to wait on the payment's uncommitted shipment");
  } finally {
    commitPayment();
  }
  await Promise.all([paying, refunding]);

  expect(await db.shipment.findUniqueOrThrow({ where: { orderId } })).toMatchObject({
    status: ShipmentStatus.Cancelled,
    cancelledAt: expect.any(Date),
    paymentId: payment.payload.paymentId,
  });
  expect(added).toEqual(['shipment.created']);
});
