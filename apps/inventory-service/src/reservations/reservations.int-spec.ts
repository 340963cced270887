import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  type EnvelopeOf,
  type EventDefinition,
  OrderCancelledV1,
  OrderCreatedV1,
  PaymentFailedV1,
} from '@seckill/contracts';
import {
  HandlerBatch,
  ConsumerScenario,
  type ConsumerScenarioOptions,
  DLQ_HEADER,
  type EventContext,
  EventPublisher,
  NonRetriableError,
  onTopic,
  type IntegrationEventHandler,
  type OutboxEntry,
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
import { InventoryDatabase, type InventoryTransaction } from '../database';
import { OrderCancelledIntegrationEventHandler } from './order-cancelled.handler';
import { OrderCreatedIntegrationEventHandler } from './order-created.handler';
import { type ReservationRequest, ReservationWriter } from './reservation-writer';
import { PaymentFailedIntegrationEventHandler } from './payment-failed.handler';

/**
 * The inventory side of the saga through the real consumer runner, on the real broker, into a
 * database of the file's own: reserve / reject / release, exactly once under redelivery, out of
 * order arrival and concurrent reservations of one sale.
 */
const endpoints = testEndpoints();

const kafka = new Kafka({
  clientId: 'inventory-saga-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const logger = ServiceLogger.create(
  'inventory-saga-it',
  (process.env.IT_LOG_LEVEL ?? 'error') as 'error',
);
const deadLetterTopic = uniqueName('it.dead-letter');
const scenarios: ConsumerScenario[] = [];

let database: ScratchDatabase;
let db: InventoryDatabase;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'inventory_saga_it',
    prismaDir: path.join(__dirname, '..', '..', 'prisma'),
  });
  // More connections than the concurrency test has transactions in flight at once.
  db = new InventoryDatabase({ adapter: createPgAdapter(database.url, { poolSize: 12 }) });
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1 }],
  });
});

afterEach(async () => {
  for (const scenario of scenarios) await scenario.stop();
});

afterAll(async () => {
  await publisher.disconnect();
  for (const scenario of scenarios) await scenario.cleanup();
  await admin.deleteTopics({ topics: [deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  await db.$disconnect();
  await database.drop();
});

/** One consumer group on topics of its own (one partition each), like inventory-service. */
async function saga() {
  const scenario = await sagaGroup();
  await scenario.start();
  return scenario;
}

/** The group of `saga()`, not started yet; `layout` gives its topics more partitions. */
async function sagaGroup(
  layout: Pick<ConsumerScenarioOptions, 'partitions' | 'partitionsConsumedConcurrently'> = {},
) {
  const events = {
    created: ConsumerScenario.ownTopic(OrderCreatedV1),
    failed: ConsumerScenario.ownTopic(PaymentFailedV1),
    cancelled: ConsumerScenario.ownTopic(OrderCancelledV1),
  };
  const metrics = new MetricsRegistry('inventory-saga-it');
  const scenario = await ConsumerScenario.create({
    kafka,
    admin,
    publisher,
    logger,
    metrics,
    groupId: uniqueName('inventory-service-it'),
    deadLetterTopic,
    // Short delays keep the retry tests quick; the mechanism is the production one.
    retryDelaysMs: [300, 1_000, 2_000],
    store: new PrismaConsumerStore(db),
    handlers: [
      onTopic(
        new OrderCreatedIntegrationEventHandler(logger, new ReservationWriter(logger, metrics)),
        events.created,
      ),
      onTopic(new PaymentFailedIntegrationEventHandler(logger), events.failed),
      onTopic(new OrderCancelledIntegrationEventHandler(logger), events.cancelled),
    ],
    ...layout,
  });
  scenarios.push(scenario);
  return Object.assign(scenario, { events, metrics });
}

async function stockSale(stock: number, saleId: string = randomUUID()): Promise<string> {
  await db.saleStock.create({ data: { saleId, initialStock: stock, available: stock } });
  return saleId;
}

function orderCreated(
  definition: EventDefinition<'order.created', EnvelopeOf<typeof OrderCreatedV1>['payload']>,
  saleId: string,
  overrides: Partial<EnvelopeOf<typeof OrderCreatedV1>['payload']> = {},
) {
  const orderId = randomUUID();
  return createEvent(definition, {
    orderId,
    saleId,
    userId: `user-${orderId.slice(0, 8)}`,
    quantity: 2,
    idempotencyKey: orderId,
    priceCents: 1999,
    acceptedAt: new Date().toISOString(),
    ...overrides,
  });
}

const refOf = ({
  orderId,
  saleId,
  userId,
  quantity,
}: EnvelopeOf<typeof OrderCreatedV1>['payload']) => ({
  orderId,
  saleId,
  userId,
  quantity,
});

async function outboxOf(orderId: string) {
  const rows = await db.outboxEvent.findMany({ where: { key: orderId }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ type: r.type, payload: r.payload as Record<string, unknown> }));
}

async function stockOf(saleId: string) {
  const row = await db.saleStock.findUniqueOrThrow({ where: { saleId } });
  expect(row.initialStock).toBe(row.available + row.reserved - row.released); // conservation
  return { available: row.available, reserved: row.reserved, released: row.released };
}

it('reserves once and emits one inventory.reserved, however often order.created is delivered', async () => {
  const s = await saga();
  const saleId = await stockSale(10);
  const order = orderCreated(s.events.created, saleId, { quantity: 3, priceCents: 2500 });
  // Twice, as a relay does when it crashes between the publish and marking it sent.
  await s.deliver(s.events.created, order);
  await s.deliver(s.events.created, order);

  expect(await stockOf(saleId)).toEqual({ available: 7, reserved: 3, released: 0 });
  const reservation = await db.reservation.findUniqueOrThrow({
    where: { orderId: order.payload.orderId },
  });
  expect(reservation).toMatchObject({
    status: 'RESERVED',
    quantity: 3,
    idempotencyKey: order.payload.idempotencyKey,
  });
  expect(await outboxOf(order.payload.orderId)).toEqual([
    {
      type: 'inventory.reserved',
      payload: {
        ...refOf(order.payload),
        reservationId: reservation.reservationId,
        amountCents: 7500,
      },
    },
  ]);
  expect(await db.inventoryLog.findMany({ where: { orderId: order.payload.orderId } })).toEqual([
    expect.objectContaining({ kind: 'RESERVE', delta: -3, eventId: order.eventId }),
  ]);

  // The whole topic again from the start: no row changes, no outbox row is added.
  const before = {
    reservations: await db.reservation.findMany({ orderBy: { orderId: 'asc' } }),
    outbox: await db.outboxEvent.count(),
    log: await db.inventoryLog.count(),
  };
  await s.replayEverything();
  await s.stop();
  expect(await stockOf(saleId)).toEqual({ available: 7, reserved: 3, released: 0 });
  expect({
    reservations: await db.reservation.findMany({ orderBy: { orderId: 'asc' } }),
    outbox: await db.outboxEvent.count(),
    log: await db.inventoryLog.count(),
  }).toEqual(before);
});

it('rejects an order the stock cannot cover, leaves the stock alone and counts the mismatch', async () => {
  const s = await saga();
  const saleId = await stockSale(1);
  const order = orderCreated(s.events.created, saleId, { quantity: 2 });
  await s.deliver(s.events.created, order);
  await s.stop();

  expect(await stockOf(saleId)).toEqual({ available: 1, reserved: 0, released: 0 });
  expect(
    await db.reservation.findUniqueOrThrow({ where: { orderId: order.payload.orderId } }),
  ).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
  expect(await outboxOf(order.payload.orderId)).toEqual([
    { type: 'inventory.rejected', payload: { ...refOf(order.payload), reason: 'OUT_OF_STOCK' } },
  ]);
  expect(
    await s.metrics.registry.getSingleMetricAsString('seckill_inventory_mismatch_total'),
  ).toMatch(/seckill_inventory_mismatch_total\{reason="OUT_OF_STOCK"[^}]*\} 1$/m);
});

it('retries an order whose sale has no stock row yet, and reserves it once the sale is there', async () => {
  const s = await saga();
  const saleId = randomUUID();
  const order = orderCreated(s.events.created, saleId);
  // Committed on its topic: the event moved on to the group's first retry topic.
  await s.deliver(s.events.created, order);
  expect(await db.reservation.count({ where: { orderId: order.payload.orderId } })).toBe(0);
  await stockSale(5, saleId); // sale.published arrives late

  await waitFor(
    async () =>
      (await db.reservation.findUnique({ where: { orderId: order.payload.orderId } }))?.status ===
      'RESERVED',
    'the retried order to be reserved',
  );
  expect(await db.saleStock.findUniqueOrThrow({ where: { saleId } })).toMatchObject({
    available: 3,
    reserved: 2,
  });
  expect((await outboxOf(order.payload.orderId)).map((e) => e.type)).toEqual([
    'inventory.reserved',
  ]);
});

it('sends an order whose sale never gets stocked to the dead-letter topic after its retries', async () => {
  const s = await saga();
  const order = orderCreated(s.events.created, `no-such-sale-${randomUUID()}`);
  await s.deliver(s.events.created, order);

  const deadLetter = await waitForDeadLetter(order.payload.orderId);
  expect(deadLetter.headers).toMatchObject({
    'dlq-reason': 'RETRIES_EXHAUSTED',
    'dlq-attempts': '4',
    'dlq-original-topic': s.events.created.topic,
  });
  expect(deadLetter.headers['dlq-error']).toContain('has no stock row yet');
  expect(await db.reservation.count({ where: { orderId: order.payload.orderId } })).toBe(0);
  expect(await outboxOf(order.payload.orderId)).toEqual([]);
});

/** The first dead letter keyed by `orderId` on this file's dead-letter topic. */
async function waitForDeadLetter(
  orderId: string,
): Promise<{ headers: Record<string, string | undefined> }> {
  const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader') });
  let found: { headers: Record<string, string | undefined> } | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [deadLetterTopic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() !== orderId || found) return;
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          headers[name] = Array.isArray(value) ? value[0]?.toString() : value?.toString();
        }
        found = { headers };
      },
    });
    await waitFor(() => found !== undefined, `a dead letter for ${orderId}`);
  } finally {
    await consumer.disconnect();
  }
  if (!found) throw new Error(`no dead letter for ${orderId}`);
  return found;
}

it('releases exactly once: payment.failed, then order.cancelled for the same order', async () => {
  const s = await saga();
  const saleId = await stockSale(5);
  const order = orderCreated(s.events.created, saleId, { quantity: 2 });
  await s.deliver(s.events.created, order);
  expect(await stockOf(saleId)).toEqual({ available: 3, reserved: 2, released: 0 });

  await s.deliver(
    s.events.failed,
    createEvent(s.events.failed, { ...refOf(order.payload), reason: 'card declined' }),
  );
  await s.deliver(
    s.events.cancelled,
    createEvent(s.events.cancelled, {
      ...refOf(order.payload),
      reason: 'PAYMENT_DEADLINE_EXPIRED',
    }),
  );
  await s.replayEverything();
  await s.stop();

  expect(await stockOf(saleId)).toEqual({ available: 5, reserved: 2, released: 2 });
  expect(
    await db.reservation.findUniqueOrThrow({ where: { orderId: order.payload.orderId } }),
  ).toMatchObject({ status: 'RELEASED', reason: 'PAYMENT_FAILED', quantity: 2 });
  expect((await outboxOf(order.payload.orderId)).map((e) => e.type)).toEqual([
    'inventory.reserved',
    'inventory.released',
  ]);
  expect((await outboxOf(order.payload.orderId))[1]?.payload).toEqual({
    ...refOf(order.payload),
    reason: 'PAYMENT_FAILED',
  });
  expect(
    (
      await db.inventoryLog.findMany({
        where: { orderId: order.payload.orderId },
        orderBy: { id: 'asc' },
      })
    ).map((l) => [l.kind, l.delta]),
  ).toEqual([
    ['RESERVE', -2],
    ['RELEASE', 2],
  ]);
});

it('a cancellation that overtakes order.created leaves a tombstone: nothing is reserved later', async () => {
  const s = await saga();
  const saleId = await stockSale(5);
  const order = orderCreated(s.events.created, saleId, { quantity: 2 });

  await s.deliver(
    s.events.cancelled,
    createEvent(s.events.cancelled, { ...refOf(order.payload), reason: 'USER_CANCELLED' }),
  );
  await s.deliver(s.events.created, order);
  await s.deliver(
    s.events.failed,
    createEvent(s.events.failed, { ...refOf(order.payload), reason: 'late' }),
  );
  await s.stop();

  expect(await stockOf(saleId)).toEqual({ available: 5, reserved: 0, released: 0 });
  expect(
    await db.reservation.findUniqueOrThrow({ where: { orderId: order.payload.orderId } }),
  ).toMatchObject({
    status: 'RELEASED',
    quantity: 0,
    reason: 'ORDER_CANCELLED',
    idempotencyKey: null,
  });
  // One release for order-service to give back the units its Redis admission took; no reservation.
  expect(await outboxOf(order.payload.orderId)).toEqual([
    { type: 'inventory.released', payload: { ...refOf(order.payload), reason: 'ORDER_CANCELLED' } },
  ]);
});

it('never oversells under concurrent reservations: N orders for K < N units reserve exactly K', async () => {
  const s = await saga();
  await s.stop(); // this test drives the transactions itself, many at once
  const K = 7;
  const N = 24;
  const saleId = await stockSale(K);
  const handler = orderCreatedHandler();
  const store = new PrismaConsumerStore(db);
  const orders = Array.from({ length: N }, () =>
    orderCreated(s.events.created, saleId, { quantity: 1 }),
  );

  // Each order in its own transaction, all in flight together, as N consumer instances would.
  await Promise.all(
    orders.map((order, i) =>
      store.transaction(async (tx) => {
        const entries: OutboxEntry[] = [];
        await applyIn(tx, handler, order, entries, i);
        await store.appendOutbox(tx, entries);
      }),
    ),
  );

  expect(await stockOf(saleId)).toEqual({ available: 0, reserved: K, released: 0 });
  const statuses = await db.reservation.groupBy({
    by: ['status'],
    where: { saleId },
    _count: true,
  });
  expect(Object.fromEntries(statuses.map((g) => [g.status, g._count]))).toEqual({
    RESERVED: K,
    REJECTED: N - K,
  });
  const ids = orders.map((o) => o.payload.orderId);
  expect(
    await db.outboxEvent.count({ where: { key: { in: ids }, type: 'inventory.reserved' } }),
  ).toBe(K);
  expect(
    await db.outboxEvent.count({ where: { key: { in: ids }, type: 'inventory.rejected' } }),
  ).toBe(N - K);
});

it('ReservationWriter decides a chunk in three statements, as one decrement per order in event order would', async () => {
  const s = await saga();
  await s.stop(); // this test drives the writer itself
  const saleId = await stockSale(5);
  const otherSale = await stockSale(4);
  const metrics = new MetricsRegistry('it');
  const writer = new ReservationWriter(logger, metrics);
  const request = (event: EnvelopeOf<typeof OrderCreatedV1>): ReservationRequest => ({
    eventId: randomUUID(),
    ...event.payload,
  });
  const decidedBefore = orderCreated(s.events.created, saleId, { quantity: 1 });
  const store = new PrismaConsumerStore(db);
  await store.transaction((tx) => applyIn(tx, orderCreatedHandler(), decidedBefore, [], 0));

  const [a, b, c, d, e] = [
    orderCreated(s.events.created, saleId, { quantity: 2 }),
    orderCreated(s.events.created, saleId, { quantity: 3 }), // 2 left: rejected
    orderCreated(s.events.created, saleId, { quantity: 1 }), // fits
    orderCreated(s.events.created, otherSale, { quantity: 4 }),
    orderCreated(s.events.created, saleId, { quantity: 1 }), // the last unit
  ];
  const chunk = [a, b, decidedBefore, c, a, d, e].map(request); // `a` twice, under two event ids
  let statements = () => 0;
  const entries: OutboxEntry[] = [];
  await store.transaction(async (tx) => {
    const counted = countingCalls(tx, [
      '$queryRaw',
      '$executeRaw',
      'reservation',
      'saleStock',
      'inventoryLog',
    ]);
    statements = counted.calls;
    const batch = new HandlerBatch(counted.proxy);
    await writer.write(counted.proxy, chunk, batch.scope(context).outbox);
    entries.push(...batch.outbox);
    await store.appendOutbox(tx, entries);
  });

  // Three statements, plus one look-up for each order that was decided already (two here).
  expect(statements()).toBe(3 + 2);
  expect(await stockOf(saleId)).toEqual({ available: 0, reserved: 5, released: 0 });
  expect(await stockOf(otherSale)).toEqual({ available: 0, reserved: 4, released: 0 });
  expect(entries.map((entry) => [entry.event.type, entry.event.key])).toEqual([
    ['inventory.reserved', a.payload.orderId],
    ['inventory.rejected', b.payload.orderId],
    ['inventory.reserved', c.payload.orderId],
    ['inventory.reserved', d.payload.orderId],
    ['inventory.reserved', e.payload.orderId],
  ]);
  const statusOf = async (order: typeof a) =>
    (await db.reservation.findUniqueOrThrow({ where: { orderId: order.payload.orderId } })).status;
  expect(await Promise.all([a, b, c, d, e].map(statusOf))).toEqual([
    'RESERVED',
    'REJECTED',
    'RESERVED',
    'RESERVED',
    'RESERVED',
  ]);
  const log = await db.inventoryLog.findMany({
    where: { eventId: { in: chunk.map((r) => r.eventId) } },
    orderBy: { id: 'asc' },
  });
  expect(log.map((row) => [row.orderId, row.kind, row.delta])).toEqual([
    [a.payload.orderId, 'RESERVE', -2],
    [b.payload.orderId, 'REJECT', 0],
    [c.payload.orderId, 'RESERVE', -1],
    [d.payload.orderId, 'RESERVE', -4],
    [e.payload.orderId, 'RESERVE', -1],
  ]);
  expect(
    await metrics.registry.getSingleMetricAsString('seckill_inventory_mismatch_total'),
  ).toMatch(/seckill_inventory_mismatch_total\{reason="OUT_OF_STOCK"[^}]*\} 1$/m);
});

it('dead-letters a second order that reuses a buyer’s idempotency key instead of taking stock', async () => {
  const s = await saga();
  await s.stop();
  const saleId = await stockSale(5);
  const handler = orderCreatedHandler();
  const store = new PrismaConsumerStore(db);
  const first = orderCreated(s.events.created, saleId, { idempotencyKey: 'k-1', userId: 'u-1' });
  const second = orderCreated(s.events.created, saleId, { idempotencyKey: 'k-1', userId: 'u-1' });
  await store.transaction((tx) => applyIn(tx, handler, first, [], 0));

  await expect(
    store.transaction((tx) => applyIn(tx, handler, second, [], 1)),
  ).rejects.toMatchObject({ name: NonRetriableError.name, reason: 'DUPLICATE_IDEMPOTENCY_KEY' });
  expect(await stockOf(saleId)).toEqual({ available: 3, reserved: 2, released: 0 });
  expect(await db.reservation.count({ where: { orderId: second.payload.orderId } })).toBe(0);
});

it('dead-letters poison among orders on partitions handled at once and reserves each good order once', async () => {
  // Three partitions at once: their chunks share a transaction, which the reused key fails.
  const s = await sagaGroup({ partitions: 3, partitionsConsumedConcurrently: 3 });
  const saleId = await stockSale(20);
  const order = () => orderCreated(s.events.created, saleId, { quantity: 2 });
  const good = [order(), order(), order(), order(), order(), order()];
  // The fifth is on partition 2, just before the poison that reuses its key.
  const holder = good[4]!;
  const invalid = order();
  // Another order of `holder`'s buyer and sale under its key, right after it on its partition.
  const reused = orderCreated(s.events.created, saleId, {
    userId: holder.payload.userId,
    idempotencyKey: holder.payload.idempotencyKey,
  });

  const mix = await runPoisonMix({
    kafka,
    admin,
    group: s,
    topic: s.events.created.topic,
    deadLetterTopic,
    headers: DLQ_HEADER,
    messages: poisonAmongGood(
      good,
      { ...invalid, payload: { ...invalid.payload, quantity: 0 } },
      {
        value: reused,
        deadLetterReason: 'DUPLICATE_IDEMPOTENCY_KEY',
      },
    ),
  });
  await s.stop();

  expect(mix.deadLetters).toEqual(mix.expectedDeadLetters);
  // Six good orders of 2 units, each taken once.
  expect(await stockOf(saleId)).toEqual({ available: 8, reserved: 12, released: 0 });
  expect(await db.reservation.count({ where: { saleId } })).toBe(good.length);
  for (const { eventId, payload } of good) {
    expect(await db.reservation.findUnique({ where: { orderId: payload.orderId } })).toMatchObject({
      status: 'RESERVED',
      quantity: 2,
      idempotencyKey: payload.idempotencyKey,
    });
    expect((await outboxOf(payload.orderId)).map((e) => e.type)).toEqual(['inventory.reserved']);
    expect(await db.inventoryLog.findMany({ where: { orderId: payload.orderId } })).toEqual([
      expect.objectContaining({ kind: 'RESERVE', delta: -2, eventId }),
    ]);
  }
});

const context: EventContext = {
  topic: 'direct',
  partition: 0,
  offset: '0',
  attempt: 1,
  consumerGroup: 'direct',
};

/** The service's `order.created` handler with a writer of its own, outside any consumer group. */
function orderCreatedHandler() {
  return new OrderCreatedIntegrationEventHandler(
    logger,
    new ReservationWriter(logger, new MetricsRegistry('it')),
  );
}

/**
 * One event through its handler in `tx`, as the runner applies it: the handler, then the rows it
 * staged; its follow-up events go to `entries`.
 */
async function applyIn<D extends EventDefinition>(
  tx: InventoryTransaction,
  handler: IntegrationEventHandler<D, InventoryTransaction>,
  event: EnvelopeOf<D>,
  entries: OutboxEntry[],
  offset: number,
): Promise<void> {
  const batch = new HandlerBatch(tx);
  await handler.handle(event, batch.scope({ ...context, offset: String(offset) }));
  await batch.flush();
  entries.push(...batch.outbox);
}
