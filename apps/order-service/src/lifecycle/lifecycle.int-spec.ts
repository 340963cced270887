import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  type EnvelopeOf,
  type EventDefinition,
  type EventEnvelope,
  InventoryRejectedV1,
  InventoryReleasedV1,
  InventoryReservedV1,
  OrderCancelledV1,
  OrderCreatedV1,
  PaymentFailedV1,
  PaymentRefundedV1,
  PaymentSucceededV1,
  ShipmentCreatedV1,
} from '@seckill/contracts';
import {
  ConsumerScenario,
  DLQ_HEADER,
  EventPublisher,
  fetchCommittedOffsets,
  HandlerBatch,
  type HandlerScope,
  type IntegrationEventHandler,
  onTopic,
} from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import {
  createPgAdapter,
  PrismaConsumerStore,
  PrismaOutboxStore,
  ScratchDatabase,
} from '@seckill/persistence';
import {
  type AdmissionRequest,
  AdmissionScript,
  loadSaleStock,
  orderIndexKey,
  OUTBOX_STREAMS_KEY,
  RestockScript,
  restockedKey,
  saleKeys,
} from '@seckill/redis';
import {
  countingCalls,
  headerOf,
  poisonAmongGood,
  postgresServerUrl,
  readMessages,
  runPoisonMix,
  testEndpoints,
  uniqueName,
  waitFor,
} from '@seckill/testing';
import { OrderDatabase, type OrderTransaction } from '../database';
import { DeadlineSweeper, type DeadlineSweeperOptions } from './deadline-sweeper';
import {
  InventoryRejectedIntegrationEventHandler,
  InventoryReleasedIntegrationEventHandler,
  InventoryReservedIntegrationEventHandler,
  OrderCancelledIntegrationEventHandler,
  OrderCreatedIntegrationEventHandler,
  PaymentFailedIntegrationEventHandler,
  PaymentRefundedIntegrationEventHandler,
  PaymentSucceededIntegrationEventHandler,
  ReleasedStockRestocker,
  ShipmentCreatedIntegrationEventHandler,
} from './lifecycle.handlers';
import { OrderReadModel } from './order-read-model';

/**
 * order-service's consumer group on the real broker, the real Redis and a database of the
 * test's own, through the real `KafkaConsumerRunner` and `PrismaConsumerStore`: events of one
 * order in any order give the right status and history, a redelivery from offset 0 changes
 * nothing, `inventory.released` gives the stock back to Redis once, and the deadline sweeper
 * cancels an unpaid order exactly once (one `order.cancelled` in the outbox) and no paid one.
 */
const endpoints = testEndpoints();

const kafka = new Kafka({
  clientId: 'order-lifecycle-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const logger = ServiceLogger.create(
  'order-lifecycle-it',
  (process.env.IT_LOG_LEVEL ?? 'error') as 'error',
);
const redis = new Redis(endpoints.redisUrl);

/** Every lifecycle event on a topic of this file's own. */
const Events = {
  created: ConsumerScenario.ownTopic(OrderCreatedV1),
  reserved: ConsumerScenario.ownTopic(InventoryReservedV1),
  rejected: ConsumerScenario.ownTopic(InventoryRejectedV1),
  released: ConsumerScenario.ownTopic(InventoryReleasedV1),
  paid: ConsumerScenario.ownTopic(PaymentSucceededV1),
  paymentFailed: ConsumerScenario.ownTopic(PaymentFailedV1),
  refunded: ConsumerScenario.ownTopic(PaymentRefundedV1),
  shipped: ConsumerScenario.ownTopic(ShipmentCreatedV1),
  cancelled: ConsumerScenario.ownTopic(OrderCancelledV1),
};
const deadLetterTopic = uniqueName('it.dead-letter');
const groupId = uniqueName('order-service-it');
const sales: string[] = [];

let database: ScratchDatabase;
let db: OrderDatabase;
/** order-service's consumer group, on those topics. */
let group: ConsumerScenario;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'order_lifecycle_it',
    prismaDir: path.join(__dirname, '..', '..', 'prisma'),
  });
  db = new OrderDatabase({ adapter: createPgAdapter(database.url, { poolSize: 6 }) });
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1 }],
  });
  const model = new OrderReadModel(logger);
  group = await ConsumerScenario.create({
    kafka,
    admin,
    publisher,
    logger,
    metrics: new MetricsRegistry('order-it'),
    groupId,
    deadLetterTopic,
    store: new PrismaConsumerStore(db),
    backoff: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
    // The service's handlers, each on this file's topic for its event.
    handlers: [
      onTopic(new OrderCreatedIntegrationEventHandler(model, logger), Events.created),
      onTopic(new InventoryReservedIntegrationEventHandler(model, logger), Events.reserved),
      onTopic(new InventoryRejectedIntegrationEventHandler(model, logger), Events.rejected),
      onTopic(
        new InventoryReleasedIntegrationEventHandler(
          model,
          logger,
          new ReleasedStockRestocker(new RestockScript(redis), logger),
        ),
        Events.released,
      ),
      onTopic(new PaymentSucceededIntegrationEventHandler(model, logger), Events.paid),
      onTopic(new PaymentFailedIntegrationEventHandler(model, logger), Events.paymentFailed),
      onTopic(new PaymentRefundedIntegrationEventHandler(model, logger), Events.refunded),
      onTopic(new ShipmentCreatedIntegrationEventHandler(model, logger), Events.shipped),
      onTopic(new OrderCancelledIntegrationEventHandler(model, logger), Events.cancelled),
    ],
  });
  await group.start();
});

afterAll(async () => {
  await group?.cleanup();
  await publisher.disconnect();
  await admin.deleteTopics({ topics: [deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  for (const saleId of sales) {
    const keys = saleKeys(saleId);
    const orders = await redis.hkeys(keys.orders);
    await redis.srem(OUTBOX_STREAMS_KEY, keys.outbox);
    await redis.del(
      ...[keys.meta, keys.stock, keys.buyers, keys.orders, keys.outbox, restockedKey(saleId)],
      ...orders.map(orderIndexKey),
    );
  }
  redis.disconnect();
  await db.$disconnect();
  await database.drop();
});

interface Ref {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
}

function newOrder(overrides: Partial<Ref> = {}): Ref {
  return {
    orderId: randomUUID(),
    saleId: randomUUID(),
    userId: uniqueName('user'),
    quantity: 1,
    ...overrides,
  };
}

/**
 * The lifecycle events of one order, as their producers would write them: each a millisecond
 * after the step before it, so the history has one right order.
 */
function eventsOf(ref: Ref, acceptedAt = new Date().toISOString()) {
  const at = (step: number) => ({ occurredAt: new Date(Date.parse(acceptedAt) + step) });
  return {
    created: createEvent(
      Events.created,
      {
        ...ref,
        idempotencyKey: `key-${ref.orderId}`,
        priceCents: 1999,
        acceptedAt,
      },
      at(0),
    ),
    reserved: createEvent(
      Events.reserved,
      {
        ...ref,
        reservationId: randomUUID(),
        amountCents: 1999 * ref.quantity,
      },
      at(1),
    ),
    rejected: createEvent(Events.rejected, { ...ref, reason: 'OUT_OF_STOCK' as const }, at(1)),
    paid: createEvent(
      Events.paid,
      {
        ...ref,
        paymentId: randomUUID(),
        amountCents: 1999 * ref.quantity,
      },
      at(3),
    ),
    refunded: createEvent(
      Events.refunded,
      {
        ...ref,
        paymentId: randomUUID(),
        amountCents: 1999 * ref.quantity,
        reason: 'order cancelled',
      },
      at(4),
    ),
    shipped: createEvent(
      Events.shipped,
      {
        ...ref,
        shipmentId: randomUUID(),
        trackingNumber: 'TRACK-1',
      },
      at(5),
    ),
    cancelled: createEvent(Events.cancelled, { ...ref, reason: 'PAYMENT_DEADLINE_EXPIRED' }, at(2)),
    releasedAfterCancel: createEvent(Events.released, { ...ref, reason: 'ORDER_CANCELLED' }, at(3)),
  };
}

async function publish(...events: EventEnvelope[]): Promise<void> {
  for (const event of events) {
    const definitions: readonly EventDefinition[] = Object.values(Events);
    await publisher.publish(
      definitions.find((d) => d.type === event.type)!,
      event,
    );
  }
}

async function applied(...events: EventEnvelope[]): Promise<void> {
  await waitFor(
    async () =>
      (await db.inboxEvent.count({
        where: { consumerGroup: groupId, eventId: { in: events.map((e) => e.eventId) } },
      })) === events.length,
    `${events.map((e) => e.type).join(', ')} to be applied`,
  );
}

function orderOf(orderId: string) {
  return db.order.findUnique({
    where: { orderId },
    include: { history: { orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] } },
  });
}

/** Everything the consumer group wrote: what a redelivery must leave exactly as it was. */
async function snapshot() {
  return {
    orders: await db.order.findMany({ orderBy: { orderId: 'asc' } }),
    history: await db.orderHistory.findMany({ orderBy: { id: 'asc' } }),
    inbox: await db.inboxEvent.count({ where: { consumerGroup: groupId } }),
  };
}

const shippedOrder = newOrder();
let shippedEvents: ReturnType<typeof eventsOf>;
const restockedOrder = newOrder({ userId: 'restock-buyer' });

describe('the order read model from the saga events', () => {
  it('records an order whose Idempotency-Key an older order of the buyer holds, without the key', async () => {
    const first = newOrder();
    const later = newOrder({ saleId: first.saleId, userId: first.userId });
    const key = `reused-${first.orderId}`;
    const createdWith = (ref: Ref) =>
      createEvent(Events.created, {
        ...ref,
        idempotencyKey: key,
        priceCents: 500,
        acceptedAt: new Date().toISOString(),
      });
    const events = [createdWith(first), createdWith(later)];
    await publish(...events);
    await applied(...events);
    expect(await orderOf(first.orderId)).toMatchObject({ idempotencyKey: key, priceCents: 500 });
    // Redis forgot the key after 24 h: the later order is new, and must not trip the unique index.
    expect(await orderOf(later.orderId)).toMatchObject({
      idempotencyKey: null,
      priceCents: 500,
      status: 'PENDING',
    });
  });

  it('reaches SHIPPED when later events overtake earlier ones, order.created last', async () => {
    const acceptedAt = new Date(Date.now() - 5_000).toISOString();
    shippedEvents = eventsOf(shippedOrder, acceptedAt);
    const { created, reserved, paid, shipped } = shippedEvents;
    await publish(shipped, paid);
    await applied(shipped, paid);
    expect(await orderOf(shippedOrder.orderId)).toMatchObject({ status: 'SHIPPED' });

    await publish(reserved, created);
    await applied(reserved, created);
    const order = await orderOf(shippedOrder.orderId);
    expect(order).toMatchObject({
      status: 'SHIPPED',
      saleId: shippedOrder.saleId,
      userId: shippedOrder.userId,
      priceCents: 1999,
      amountCents: 1999,
      idempotencyKey: `key-${shippedOrder.orderId}`,
      // The deadline counts from the acceptance, not from the first event consumed.
      createdAt: new Date(acceptedAt),
    });
    // Every event is in the history, in the order it happened, also those that moved nothing.
    expect(order!.history.map((h) => [h.status, h.eventType])).toEqual([
      ['PENDING', 'order.created'],
      ['RESERVED', 'inventory.reserved'],
      ['PAID', 'payment.succeeded'],
      ['SHIPPED', 'shipment.created'],
    ]);
  });

  it('writes a transaction of many events and orders in two statements, ending where one event at a time would', async () => {
    const model = new OrderReadModel(logger);
    const handlers = {
      created: new OrderCreatedIntegrationEventHandler(model, logger),
      reserved: new InventoryReservedIntegrationEventHandler(model, logger),
      rejected: new InventoryRejectedIntegrationEventHandler(model, logger),
      paid: new PaymentSucceededIntegrationEventHandler(model, logger),
      shipped: new ShipmentCreatedIntegrationEventHandler(model, logger),
    };
    const acceptedAt = new Date(Date.now() - 5_000).toISOString();
    const [a, b, c] = [newOrder(), newOrder(), newOrder()];
    const ea = eventsOf(a, acceptedAt);
    const eb = eventsOf(b, acceptedAt);
    const ec = eventsOf(c, acceptedAt);
    // a's events out of order (order.created last), interleaved with b's and c's.
    // Each step pairs a handler with an envelope of its own event, so the chunk type-checks.
    type Step = (scope: HandlerScope<OrderTransaction>) => Promise<void>;
    const step =
      <D extends EventDefinition>(
        handler: IntegrationEventHandler<D, OrderTransaction>,
        event: EnvelopeOf<D>,
      ): Step =>
      (scope) =>
        handler.handle(event, scope);
    const chunk: Step[] = [
      step(handlers.shipped, ea.shipped),
      step(handlers.created, eb.created),
      step(handlers.reserved, ea.reserved),
      step(handlers.rejected, eb.rejected),
      step(handlers.paid, ea.paid),
      step(handlers.created, ec.created),
      step(handlers.created, ea.created),
    ];
    let statements = () => 0;
    await db.$transaction(async (tx) => {
      const counted = countingCalls(tx, ['$queryRaw', '$executeRaw']);
      statements = counted.calls;
      const batch = new HandlerBatch<OrderTransaction>(counted.proxy);
      for (const [n, apply] of chunk.entries()) {
        const context = {
          topic: 'direct',
          partition: 0,
          offset: String(n),
          attempt: 1,
          consumerGroup: 'direct',
        };
        await apply(batch.scope(context, n));
      }
      await batch.flush();
    });

    expect(statements()).toBe(2);
    const [orderA, orderB, orderC] = await Promise.all([a, b, c].map((o) => orderOf(o.orderId)));
    expect(orderA).toMatchObject({
      status: 'SHIPPED',
      priceCents: 1999,
      amountCents: 1999,
      idempotencyKey: `key-${a.orderId}`,
      createdAt: new Date(acceptedAt),
      createdOffset: 6n,
      reservedOffset: 2n,
    });
    expect(orderA!.history.map((h) => h.status)).toEqual([
      'PENDING',
      'RESERVED',
      'PAID',
      'SHIPPED',
    ]);
    expect(orderB).toMatchObject({ status: 'FAILED', priceCents: 1999 });
    expect(orderB!.history.map((h) => h.status)).toEqual(['PENDING', 'FAILED']);
    expect(orderC).toMatchObject({ status: 'PENDING', createdOffset: 5n });
  });

  it('keeps a cancelled order CANCELLED when its payment arrives late, and notes the refund', async () => {
    const ref = newOrder();
    const events = eventsOf(ref);
    await publish(events.created, events.reserved, events.cancelled);
    await applied(events.created, events.reserved, events.cancelled);
    expect(await orderOf(ref.orderId)).toMatchObject({ status: 'CANCELLED' });

    await publish(events.paid, events.refunded);
    await applied(events.paid, events.refunded);
    const order = await orderOf(ref.orderId);
    expect(order?.status).toBe('CANCELLED');
    expect(order!.history.map((h) => h.status)).toEqual([
      'PENDING',
      'RESERVED',
      'CANCELLED',
      'PAID',
      'REFUNDED',
    ]);
  });

  it('fails a rejected order for good, created by the rejection if it comes first', async () => {
    const ref = newOrder();
    const events = eventsOf(ref);
    await publish(events.rejected);
    await applied(events.rejected);
    expect(await orderOf(ref.orderId)).toMatchObject({ status: 'FAILED', priceCents: null });
    await publish(events.created, events.reserved);
    await applied(events.created, events.reserved);
    expect(await orderOf(ref.orderId)).toMatchObject({ status: 'FAILED', priceCents: 1999 });
  });

  it('sends an event that names someone else’s order to the dead-letter topic, changing nothing', async () => {
    const before = await orderOf(shippedOrder.orderId);
    const forged = createEvent(Events.cancelled, {
      ...shippedOrder,
      userId: 'mallory',
      reason: 'USER_CANCELLED',
    });
    await publish(forged);
    const [dead] = await readMessages(kafka, deadLetterTopic, 1);
    expect(headerOf(dead!, 'dlq-reason')).toBe('ORDER_MISMATCH');
    expect(await orderOf(shippedOrder.orderId)).toEqual(before);
  });

  it('dead-letters poison among orders on partitions handled at once, and records each good order once', async () => {
    // order.created on three partitions handled at once: their chunks share a transaction, which
    // the mismatch fails. A dead-letter topic of its own (the test above reads the file's first),
    // and so a producer of its own: one that published to a deleted topic fails its next send.
    const Wide = ConsumerScenario.ownTopic(OrderCreatedV1);
    const wideDeadLetters = uniqueName('it.dead-letter');
    const widePublisher = new EventPublisher(kafka);
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: wideDeadLetters, numPartitions: 1, replicationFactor: 1 }],
    });
    const wide = await ConsumerScenario.create({
      kafka,
      admin,
      publisher: widePublisher,
      logger,
      metrics: new MetricsRegistry('order-it'),
      groupId: uniqueName('order-service-it'),
      deadLetterTopic: wideDeadLetters,
      store: new PrismaConsumerStore(db),
      handlers: [
        onTopic(new OrderCreatedIntegrationEventHandler(new OrderReadModel(logger), logger), Wide),
      ],
      partitions: 3,
      partitionsConsumedConcurrently: 3,
    });
    const good = Array.from({ length: 6 }, () => eventsOf(newOrder()).created);
    // The fifth is on partition 2, just before the event that forges its owner.
    const owner = good[4]!;
    const invalid = eventsOf(newOrder()).created;
    // The order `owner` created just before it on its partition, claimed by someone else.
    const forged = createEvent(Events.created, { ...owner.payload, userId: 'mallory' });
    try {
      const mix = await runPoisonMix({
        kafka,
        admin,
        group: wide,
        topic: Wide.topic,
        deadLetterTopic: wideDeadLetters,
        headers: DLQ_HEADER,
        messages: poisonAmongGood(
          good,
          { ...invalid, payload: { ...invalid.payload, quantity: 0 } },
          {
            value: forged,
            deadLetterReason: 'ORDER_MISMATCH',
          },
        ),
      });
      await wide.stop();

      expect(mix.deadLetters).toEqual(mix.expectedDeadLetters);
      for (const { eventId, payload } of good) {
        expect(await orderOf(payload.orderId)).toMatchObject({
          status: 'PENDING',
          saleId: payload.saleId,
          userId: payload.userId,
          priceCents: payload.priceCents,
          history: [{ status: 'PENDING', eventType: 'order.created', eventId }],
        });
      }
      expect(await orderOf(invalid.payload.orderId)).toBeNull();
    } finally {
      await wide.cleanup();
      await widePublisher.disconnect();
      await admin.deleteTopics({ topics: [wideDeadLetters] }).catch(() => undefined);
    }
  });
});

describe('restock on inventory.released', () => {
  it('gives the units back to Redis once, however often the release is delivered', async () => {
    const { saleId, userId } = restockedOrder;
    sales.push(saleId);
    const now = Date.now();
    await loadSaleStock(redis, {
      saleId,
      startsAtMs: now - 60_000,
      endsAtMs: now + 3_600_000,
      perUserLimit: 1,
      priceCents: 1999,
      stock: 1,
    });
    const script = new AdmissionScript(redis);
    const purchase = (orderId: string): AdmissionRequest => ({
      saleId,
      userId,
      quantity: 1,
      orderId,
      idempotencyKey: null,
      orderSummary: JSON.stringify({ orderId }),
      answer: '{}',
      record: { topic: 'it.unused', key: orderId, value: '{}', headers: {} },
      deadline: null,
    });
    expect(await script.admit(purchase(restockedOrder.orderId))).toMatchObject({
      outcome: 'ACCEPTED',
      remainingStock: 0,
    });

    const events = eventsOf(restockedOrder);
    // The same release twice (a relay that crashed before marking it sent), and a second
    // release of the same order under another event id (a replayed producer).
    const again = createEvent(Events.released, { ...restockedOrder, reason: 'ORDER_CANCELLED' });
    await publish(events.created, events.cancelled, events.releasedAfterCancel);
    await publish(events.releasedAfterCancel, again);
    await applied(events.created, events.cancelled, events.releasedAfterCancel, again);

    const keys = saleKeys(saleId);
    expect(await redis.get(keys.stock)).toBe('1');
    expect(await redis.hexists(keys.buyers, userId)).toBe(0);
    expect(await orderOf(restockedOrder.orderId)).toMatchObject({ status: 'CANCELLED' });
    // The buyer may buy again, and gets the returned unit.
    expect(await script.admit(purchase(randomUUID()))).toMatchObject({
      outcome: 'ACCEPTED',
      remainingStock: 0,
    });
  });
});

describe('redelivery', () => {
  it('changes nothing when the group reads every topic again from offset 0', async () => {
    await group.drained();
    const before = await snapshot();
    const stock = await redis.get(saleKeys(restockedOrder.saleId).stock);

    await group.replayEverything();

    expect(await snapshot()).toEqual(before);
    expect(await redis.get(saleKeys(restockedOrder.saleId).stock)).toBe(stock);
  });
});

describe('the unpaid deadline', () => {
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const offsets = {
    committedOffsets: (groupId: string, topic: string) =>
      fetchCommittedOffsets(admin, groupId, topic),
  };
  /** The service's settings, on this file's topics; the owing groups have read nothing. */
  const sweeperOptions = (overrides: Partial<DeadlineSweeperOptions> = {}) => ({
    deadlineMs: 5 * 60_000,
    holdMs: 60_000,
    intervalMs: 1000,
    batchSize: 100,
    nextSteps: {
      pending: { topic: Events.created.topic, groupId: uniqueName('it-inventory') },
      reserved: { topic: Events.reserved.topic, groupId: uniqueName('it-payment') },
    },
    offsets,
    cancelled: Events.cancelled,
    ...overrides,
  });

  async function seed(status: string, createdAt: Date): Promise<string> {
    const ref = newOrder();
    await db.order.create({ data: { ...ref, status, createdAt } });
    return ref.orderId;
  }

  it('cancels each overdue unpaid order exactly once, with one order.cancelled, and no paid one', async () => {
    const pending = await seed('PENDING', minutesAgo(10));
    const reserved = await seed('RESERVED', minutesAgo(10));
    const paid = await seed('PAID', minutesAgo(10));
    const fresh = await seed('PENDING', minutesAgo(0));
    // Seeded rows carry no read position (like orders from before the read model kept it):
    // nothing to wait for.
    const sweeper = () => new DeadlineSweeper(db, logger, sweeperOptions());

    // Two instances at once: SKIP LOCKED hands each order to one of them.
    const results = await Promise.all([sweeper().sweepOnce(), sweeper().sweepOnce()]);
    const swept = [pending, reserved];
    expect(results[0].cancelled + results[1].cancelled).toBe(swept.length);
    expect((await sweeper().sweepOnce()).cancelled).toBe(0);

    for (const orderId of swept) {
      expect(await orderOf(orderId)).toMatchObject({ status: 'CANCELLED' });
      const rows = await db.outboxEvent.findMany({ where: { key: orderId } });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        topic: Events.cancelled.topic,
        type: 'order.cancelled',
        payload: expect.objectContaining({ orderId, reason: 'PAYMENT_DEADLINE_EXPIRED' }),
      });
      const history = await db.orderHistory.findMany({ where: { orderId } });
      expect(history).toMatchObject([{ status: 'CANCELLED', eventId: rows[0]!.eventId }]);
    }
    for (const orderId of [paid, fresh]) {
      expect(await db.outboxEvent.count({ where: { key: orderId } })).toBe(0);
    }
    expect((await orderOf(paid))?.status).toBe('PAID');
    expect((await orderOf(fresh))?.status).toBe('PENDING');

    // The generic relay publishes them; consuming its own cancellation changes nothing.
    const historyBefore = await db.orderHistory.count();
    const consumedCancellations = () =>
      db.inboxEvent.count({ where: { consumerGroup: groupId, topic: Events.cancelled.topic } });
    const cancellationsBefore = await consumedCancellations();
    const store = new PrismaOutboxStore(db);
    await store.relayBatch(100, (records) => publisher.send(records));
    expect(await db.outboxEvent.count({ where: { key: { in: swept }, publishedAt: null } })).toBe(
      0,
    );
    await waitFor(
      async () => (await consumedCancellations()) === cancellationsBefore + swept.length,
      'the cancellations to be consumed back',
    );
    expect(await db.orderHistory.count()).toBe(historyBefore);
    for (const orderId of swept) {
      expect((await orderOf(orderId))?.status).toBe('CANCELLED');
    }
  });

  it('sweeps on its own once started, until stopped', async () => {
    const overdue = await seed('RESERVED', minutesAgo(10));
    const sweeper = new DeadlineSweeper(db, logger, sweeperOptions({ intervalMs: 50 }));
    sweeper.start();
    try {
      await waitFor(
        async () => (await orderOf(overdue))?.status === 'CANCELLED',
        'the running sweeper to cancel the overdue order',
      );
    } finally {
      await sweeper.stop();
    }
    expect(await db.outboxEvent.count({ where: { key: overdue } })).toBe(1);
  });

  it('holds an overdue order whose next step is queued behind a backlog, and cancels it a full hold after it was read', async () => {
    const acceptedAt = minutesAgo(20).toISOString();
    // inventory-service has read this one's order.created (it is retrying it, say): due.
    const readInTime = newOrder();
    // Still queued for inventory-service (PENDING) and for payment-service (RESERVED).
    const queuedForStock = newOrder();
    const queuedForPayment = newOrder();
    const events = [readInTime, queuedForStock, queuedForPayment].map((ref) =>
      eventsOf(ref, acceptedAt),
    );
    const [readInTimeEvents, queuedForStockEvents, queuedForPaymentEvents] = events as [
      ReturnType<typeof eventsOf>,
      ReturnType<typeof eventsOf>,
      ReturnType<typeof eventsOf>,
    ];
    // One after another: an order published later never sits before an earlier one.
    await publish(readInTimeEvents.created, queuedForStockEvents.created);
    await publish(queuedForPaymentEvents.created, queuedForPaymentEvents.reserved);
    await applied(
      readInTimeEvents.created,
      queuedForStockEvents.created,
      queuedForPaymentEvents.created,
      queuedForPaymentEvents.reserved,
    );

    // The read model kept where it read each order's next-step event.
    const positionOf = async (orderId: string, field: 'created' | 'reserved') => {
      const order = await orderOf(orderId);
      const partition = order?.[`${field}Partition`];
      const offset = order?.[`${field}Offset`];
      if (partition == null || offset == null) throw new Error(`${orderId}: no ${field} position`);
      return { partition, offset };
    };
    const readInTimeAt = await positionOf(readInTime.orderId, 'created');
    const queuedForStockAt = await positionOf(queuedForStock.orderId, 'created');
    const queuedForPaymentAt = await positionOf(queuedForPayment.orderId, 'reserved');

    const options = sweeperOptions();
    const { pending, reserved } = options.nextSteps;
    const readUpTo = (groupId: string, topic: string, at: { partition: number; offset: bigint }) =>
      admin.setOffsets({
        groupId,
        topic,
        partitions: [{ partition: at.partition, offset: String(at.offset + 1n) }],
      });
    await readUpTo(pending.groupId, pending.topic, readInTimeAt);
    const sweeper = new DeadlineSweeper(db, logger, options);
    const statusOf = async (ref: Ref) => (await orderOf(ref.orderId))?.status;

    await sweeper.sweepOnce();
    expect(await statusOf(readInTime)).toBe('CANCELLED');
    expect(await statusOf(queuedForStock)).toBe('PENDING');
    expect(await statusOf(queuedForPayment)).toBe('RESERVED');
    for (const ref of [queuedForStock, queuedForPayment]) {
      expect(await db.outboxEvent.count({ where: { key: ref.orderId } })).toBe(0);
      expect((await orderOf(ref.orderId))?.deadlineHeldUntil?.getTime()).toBeGreaterThan(
        Date.now(),
      );
    }

    // Both groups read past them, but the hold is not over: the sweeper does not look yet.
    await readUpTo(pending.groupId, pending.topic, queuedForStockAt);
    await readUpTo(reserved.groupId, reserved.topic, queuedForPaymentAt);
    const queued = [queuedForStock.orderId, queuedForPayment.orderId];
    const endHold = () => db.$executeRaw`
      UPDATE orders SET deadline_held_until = now() - interval '1 second'
      WHERE order_id = ANY(${queued}::text[])`;
    await sweeper.sweepOnce();
    expect(await statusOf(queuedForStock)).toBe('PENDING');
    expect(await statusOf(queuedForPayment)).toBe('RESERVED');

    // The hold is over (the clock moved on): now read, each gets one full hold to be paid.
    await endHold();
    await sweeper.sweepOnce();
    for (const ref of [queuedForStock, queuedForPayment]) {
      const order = await orderOf(ref.orderId);
      expect(order?.status).not.toBe('CANCELLED');
      expect(order?.offeredLateAt).not.toBeNull();
      expect(order?.deadlineHeldUntil?.getTime()).toBeGreaterThan(Date.now());
    }

    // That hold is over too and nobody paid: cancelled, once each.
    await endHold();
    await sweeper.sweepOnce();
    await sweeper.sweepOnce();
    for (const ref of [readInTime, queuedForStock, queuedForPayment]) {
      expect(await statusOf(ref)).toBe('CANCELLED');
      expect(await db.outboxEvent.count({ where: { key: ref.orderId } })).toBe(1);
    }
  });

  it('cancels nothing when the groups’ offsets cannot be read', async () => {
    const overdue = await seed('RESERVED', minutesAgo(10));
    const unreachable = new Error('broker unreachable');
    const sweeper = new DeadlineSweeper(
      db,
      logger,
      sweeperOptions({ offsets: { committedOffsets: () => Promise.reject(unreachable) } }),
    );

    await expect(sweeper.sweepOnce()).rejects.toBe(unreachable);
    expect(await orderOf(overdue)).toMatchObject({ status: 'RESERVED', deadlineHeldUntil: null });
  });
});
