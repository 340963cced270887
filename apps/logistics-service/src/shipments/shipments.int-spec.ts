import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  type EnvelopeOf,
  PaymentRefundedV1,
  PaymentSucceededV1,
} from '@seckill/contracts';
import {
  HandlerBatch,
  ConsumerScenario,
  type ConsumerScenarioOptions,
  DLQ_HEADER,
  type EventContext,
  EventPublisher,
  onTopic,
  type Outbox,
} from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { createPgAdapter, PrismaConsumerStore, ScratchDatabase } from '@seckill/persistence';
import {
  countingCalls,
  poisonAmongGood,
  postgresServerUrl,
  runPoisonMix,
  testEndpoints,
  uniqueName,
  waitFor,
} from '@seckill/testing';
import { LogisticsDatabase } from '../database';
import { PaymentRefundedIntegrationEventHandler } from './payment-refunded.handler';
import { PaymentSucceededIntegrationEventHandler } from './payment-succeeded.handler';
import { ShipmentStatus, tombstoneFor } from './shipment-status';
import { type NewShipment, ShipmentWriter } from './shipment-writer';
import { trackingNumberFor } from './tracking-number';

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
const deadLetterTopic = uniqueName('it.dead-letter');
const groupId = uniqueName('logistics-service-it');
const TestPaymentSucceeded = ConsumerScenario.ownTopic(PaymentSucceededV1);
const TestPaymentRefunded = ConsumerScenario.ownTopic(PaymentRefundedV1);
const topic = TestPaymentSucceeded.topic;
const refundTopic = TestPaymentRefunded.topic;
/** One for every handler, as in the service: a transaction's shipments reach one write. */
const writer = new ShipmentWriter(logger);

let database: ScratchDatabase;
let db: LogisticsDatabase;
/** The service's consumer group: started by each test that consumes, stopped before it ends. */
let group: ConsumerScenario;

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
    topics: [{ topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1 }],
  });
  group = await logisticsGroup([
    onTopic(new PaymentSucceededIntegrationEventHandler(logger, writer), TestPaymentSucceeded),
    onTopic(new PaymentRefundedIntegrationEventHandler(logger), TestPaymentRefunded),
  ]);
});

afterAll(async () => {
  await group.cleanup();
  await publisher.disconnect();
  await admin.deleteTopics({ topics: [deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  await db.$disconnect();
  await database.drop();
});

/** The service's handlers (on topics of this file's own) in a consumer group, not started. */
function logisticsGroup(
  handlers: ConsumerScenarioOptions['handlers'],
  options: Partial<ConsumerScenarioOptions> = {},
): Promise<ConsumerScenario> {
  return ConsumerScenario.create({
    kafka,
    admin,
    publisher,
    logger,
    metrics: new MetricsRegistry('logistics-it'),
    groupId,
    deadLetterTopic,
    store: new PrismaConsumerStore(db),
    handlers,
    ...options,
  });
}

/** Runs the group until it has committed everything published so far on both topics. */
async function drain(): Promise<void> {
  await group.start();
  try {
    await group.drained();
  } finally {
    await group.stop();
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

  await drain();

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
  await group.replayEverything();
  await group.stop();
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
  await drain();
  const shipped = await db.shipment.findUniqueOrThrow({ where: { orderId } });
  expect(shipped).toMatchObject({ status: ShipmentStatus.Created, cancelledAt: null });

  const refund = refundOf(payment);
  await publisher.publish(TestPaymentRefunded, refund);
  await drain();
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
  await drain();
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
  await drain();
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
  await drain();
  expect(await db.shipment.findMany({ where: { orderId } })).toEqual([tombstone]);
  expect(await outboxTypes(orderId)).toEqual([]);
  expect(
    await db.shipment.findUniqueOrThrow({ where: { orderId: unrelated.payload.orderId } }),
  ).toMatchObject({ status: ShipmentStatus.Created, cancelledAt: null });
  expect(await outboxTypes(unrelated.payload.orderId)).toEqual(['shipment.created']);

  // The group reads both topics again from the start: nothing moves.
  const before = { shipments: await db.shipment.findMany(), outbox: await db.outboxEvent.count() };
  await group.replayEverything();
  await group.stop();
  expect({ shipments: await db.shipment.findMany(), outbox: await db.outboxEvent.count() }).toEqual(
    before,
  );
});

it('dead-letters malformed payments among good ones on partitions handled at once, and ships each good one once', async () => {
  // payment.succeeded on three partitions handled at once: their chunks share a transaction.
  const Wide = ConsumerScenario.ownTopic(PaymentSucceededV1);
  const wide = await logisticsGroup(
    [onTopic(new PaymentSucceededIntegrationEventHandler(logger, writer), Wide)],
    {
      groupId: uniqueName('logistics-service-it'),
      partitions: 3,
      partitionsConsumedConcurrently: 3,
    },
  );
  const good = Array.from({ length: 6 }, () => paymentOf(randomUUID()));
  const invalid = paymentOf(randomUUID());
  try {
    const mix = await runPoisonMix({
      kafka,
      admin,
      group: wide,
      topic: Wide.topic,
      deadLetterTopic,
      headers: DLQ_HEADER,
      messages: poisonAmongGood(good, { ...invalid, payload: { ...invalid.payload, quantity: 0 } }),
    });
    await wide.stop();

    expect(mix.deadLetters).toEqual(mix.expectedDeadLetters);
    const ids = [...good, invalid].map((event) => event.payload.orderId);
    expect(await db.shipment.count({ where: { orderId: { in: ids } } })).toBe(good.length);
    for (const { payload } of good) {
      expect(await db.shipment.findUnique({ where: { orderId: payload.orderId } })).toMatchObject({
        paymentId: payload.paymentId,
        quantity: payload.quantity,
        status: ShipmentStatus.Created,
      });
      expect(await outboxTypes(payload.orderId)).toEqual(['shipment.created']);
    }
  } finally {
    await wide.cleanup();
  }
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
    const batch = new HandlerBatch(tx);
    await new PaymentSucceededIntegrationEventHandler(logger, writer).handle(
      payment,
      batch.scope(context),
    );
    await batch.flush();
    added.push(...batch.outbox.map((entry) => entry.event.type));
    paymentInserted();
    await paymentMayCommit;
  }, bounds);
  let refunding: Promise<void> | undefined;
  try {
    await inserted;
    refunding = db.$transaction(
      (tx) =>
        new PaymentRefundedIntegrationEventHandler(logger).handle(refundOf(payment), {
          ...new HandlerBatch(tx).scope({ ...context, topic: refundTopic }),
          outbox,
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

it('ShipmentWriter creates a transaction’s shipments in one statement and announces only those it created', async () => {
  const shipment = (orderId: string = randomUUID()): NewShipment => {
    const shipmentId = randomUUID();
    return {
      eventId: randomUUID(),
      shipmentId,
      trackingNumber: trackingNumberFor(shipmentId),
      orderId,
      saleId: 'sale-3',
      userId: `user-${orderId.slice(0, 8)}`,
      quantity: 1,
      paymentId: randomUUID(),
    };
  };
  const [ships, refunded, fresh, another] = [shipment(), shipment(), shipment(), shipment()];
  await db.$transaction((tx) => writer.record(tx, [ships]));
  const refund = refundOf(paymentOf(refunded.orderId));
  await db.shipment.create({
    data: tombstoneFor({ ...refund.payload, orderId: refunded.orderId }, randomUUID(), new Date()),
  });

  let statements = () => 0;
  const announced: Array<[string, unknown]> = [];
  const outbox: Outbox = {
    add: (definition, payload) => {
      announced.push([definition.type, (payload as { orderId: string }).orderId]);
      return createEvent(definition, payload);
    },
  };
  await db.$transaction((tx) => {
    const counted = countingCalls(tx, ['$queryRaw', '$executeRaw', 'shipment']);
    statements = counted.calls;
    return writer.write(
      counted.proxy,
      [ships, fresh, refunded, shipment(fresh.orderId), another],
      outbox,
    );
  });

  expect(statements()).toBe(1);
  expect(announced).toEqual([
    ['shipment.created', fresh.orderId],
    ['shipment.created', another.orderId],
  ]);
  const rows = await db.shipment.findMany({
    where: { orderId: { in: [ships, refunded, fresh, another].map((s) => s.orderId) } },
  });
  expect(new Map(rows.map((r) => [r.orderId, [r.status, r.shipmentId]]))).toEqual(
    new Map([
      [ships.orderId, [ShipmentStatus.Created, ships.shipmentId]],
      [refunded.orderId, [ShipmentStatus.Cancelled, expect.any(String)]],
      [fresh.orderId, [ShipmentStatus.Created, fresh.shipmentId]],
      [another.orderId, [ShipmentStatus.Created, another.shipmentId]],
    ]),
  );
});
