import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  createEvent,
  type EnvelopeOf,
  type EventDefinition,
  InventoryReservedV1,
  OrderCancelledV1,
} from '@seckill/contracts';
import {
  ConsumerScenario,
  type EventContext,
  EventPublisher,
  onTopic,
  type Outbox,
  type OutboxEntry,
} from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { createPgAdapter, PrismaConsumerStore, ScratchDatabase } from '@seckill/persistence';
import { postgresServerUrl, testEndpoints, uniqueName, waitFor } from '@seckill/testing';
import { PaymentDatabase, type PaymentTransaction } from '../database';
import { CaptureRetryPolicy } from './capture-with-retries';
import { InventoryReservedIntegrationEventHandler } from './inventory-reserved.handler';
import { OrderCancelledIntegrationEventHandler } from './order-cancelled.handler';
import {
  DECLINE_REASON,
  type ProviderDecision,
  SimulatedPaymentProvider,
} from './simulated-payment-provider';

/**
 * payment-service's saga steps through the real consumer runner, on the real broker, into a
 * database of the file's own, with a scripted provider (no randomness, no latency): one capture
 * per order at most, declines, timeouts retried, and no payment kept for a cancelled order
 * whichever event comes first.
 */
const endpoints = testEndpoints();

const kafka = new Kafka({
  clientId: 'payment-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const logger = ServiceLogger.create('payment-it', (process.env.IT_LOG_LEVEL ?? 'error') as 'error');
const deadLetterTopic = uniqueName('it.dead-letter');
const scenarios: ConsumerScenario[] = [];

/** What the provider answers, per order, call after call; APPROVE once the script runs out. */
const script = new Map<string, ProviderDecision[]>();
const calls = new Map<string, number>();
const provider = new SimulatedPaymentProvider(
  { latencyMs: 0, timeoutMs: 0, failureRate: 0, timeoutRate: 0 },
  (orderId) => {
    calls.set(orderId, (calls.get(orderId) ?? 0) + 1);
    return script.get(orderId)?.shift() ?? 'APPROVE';
  },
);
const policy = new CaptureRetryPolicy(3, 1);

let database: ScratchDatabase;
let db: PaymentDatabase;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'payment_it',
    prismaDir: path.join(__dirname, '..', '..', 'prisma'),
  });
  db = new PaymentDatabase({ adapter: createPgAdapter(database.url, { poolSize: 12 }) });
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

/** One consumer group on topics of its own (one partition each), like payment-service. */
async function payments() {
  const events = {
    reserved: ConsumerScenario.ownTopic(InventoryReservedV1),
    cancelled: ConsumerScenario.ownTopic(OrderCancelledV1),
  };
  const scenario = await ConsumerScenario.create({
    kafka,
    admin,
    publisher,
    logger,
    metrics: new MetricsRegistry('payment-it'),
    groupId: uniqueName('payment-service-it'),
    deadLetterTopic,
    store: new PrismaConsumerStore(db),
    // The runner's own retries, short: the in-handler ones are exercised separately.
    backoff: { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 10 },
    handlers: [
      onTopic(
        new InventoryReservedIntegrationEventHandler(logger, provider, policy),
        events.reserved,
      ),
      onTopic(new OrderCancelledIntegrationEventHandler(logger, provider), events.cancelled),
    ],
  });
  scenarios.push(scenario);
  await scenario.start();
  return Object.assign(scenario, { events });
}

type Reserved = EnvelopeOf<typeof InventoryReservedV1>;

function reservation(
  definition: EventDefinition<'inventory.reserved', Reserved['payload']>,
  amountCents = 3998,
): Reserved {
  const orderId = randomUUID();
  return createEvent(definition, {
    orderId,
    saleId: 'sale-1',
    userId: `user-${orderId.slice(0, 8)}`,
    quantity: 2,
    reservationId: randomUUID(),
    amountCents,
  });
}

const refOf = ({ orderId, saleId, userId, quantity }: Reserved['payload']) => ({
  orderId,
  saleId,
  userId,
  quantity,
});

async function outboxOf(orderId: string) {
  const rows = await db.outboxEvent.findMany({ where: { key: orderId }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ type: r.type, payload: r.payload as Record<string, unknown> }));
}

it('captures once and emits payment.succeeded, however often the reservation is delivered', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved, 5000);
  await p.deliver(p.events.reserved, event);
  await p.deliver(p.events.reserved, event);
  await p.replayEverything();
  await p.stop();

  const payment = await db.payment.findUniqueOrThrow({ where: { orderId: event.payload.orderId } });
  expect(payment).toMatchObject({ status: 'CAPTURED', amountCents: 5000, attempts: 1 });
  expect(calls.get(event.payload.orderId)).toBe(1);
  expect(await outboxOf(event.payload.orderId)).toEqual([
    {
      type: 'payment.succeeded',
      payload: { ...refOf(event.payload), paymentId: payment.paymentId, amountCents: 5000 },
    },
  ]);
});

it('emits payment.failed with the reason when the provider declines', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved);
  script.set(event.payload.orderId, ['DECLINE']);
  await p.deliver(p.events.reserved, event);
  await p.stop();

  expect(
    await db.payment.findUniqueOrThrow({ where: { orderId: event.payload.orderId } }),
  ).toMatchObject({ status: 'DECLINED', reason: DECLINE_REASON });
  expect(await outboxOf(event.payload.orderId)).toEqual([
    { type: 'payment.failed', payload: { ...refOf(event.payload), reason: DECLINE_REASON } },
  ]);
});

it('retries a timeout within the handler and captures once', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved);
  script.set(event.payload.orderId, ['TIMEOUT', 'APPROVE']);
  await p.deliver(p.events.reserved, event);
  await p.stop();

  expect(calls.get(event.payload.orderId)).toBe(2);
  expect(await db.payment.findMany({ where: { orderId: event.payload.orderId } })).toEqual([
    expect.objectContaining({ status: 'CAPTURED', attempts: 2 }),
  ]);
  expect((await outboxOf(event.payload.orderId)).map((e) => e.type)).toEqual(['payment.succeeded']);
});

it('hands timeouts that outlast the handler’s attempts to the runner, which retries: one capture', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved);
  // The handler's three attempts time out; the runner's second delivery captures.
  script.set(event.payload.orderId, ['TIMEOUT', 'TIMEOUT', 'TIMEOUT', 'APPROVE']);
  await p.deliver(p.events.reserved, event);
  // The runner's retry may come back later (through a retry topic) than the commit of the original.
  await waitFor(
    async () => (await db.payment.count({ where: { orderId: event.payload.orderId } })) === 1,
    'the runner to retry the capture',
  );
  await p.stop();

  expect(calls.get(event.payload.orderId)).toBe(4);
  expect(await db.payment.findMany({ where: { orderId: event.payload.orderId } })).toEqual([
    expect.objectContaining({ status: 'CAPTURED', attempts: 1 }),
  ]);
  expect((await outboxOf(event.payload.orderId)).map((e) => e.type)).toEqual(['payment.succeeded']);
});

it('never charges an order cancelled before its reservation arrives', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved);
  await p.deliver(
    p.events.cancelled,
    createEvent(p.events.cancelled, { ...refOf(event.payload), reason: 'USER_CANCELLED' }),
  );
  await p.deliver(p.events.reserved, event);
  await p.stop();

  expect(calls.get(event.payload.orderId)).toBeUndefined(); // the provider was never asked
  expect(
    await db.payment.findUniqueOrThrow({ where: { orderId: event.payload.orderId } }),
  ).toMatchObject({ status: 'VOIDED' });
  expect(await outboxOf(event.payload.orderId)).toEqual([]);
});

it('refunds, once, a payment captured before the order was cancelled', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved, 1234);
  const cancel = createEvent(p.events.cancelled, {
    ...refOf(event.payload),
    reason: 'PAYMENT_DEADLINE_EXPIRED',
  });
  await p.deliver(p.events.reserved, event);
  await p.deliver(p.events.cancelled, cancel);
  // A second cancellation event for the order, then the whole history again.
  await p.deliver(
    p.events.cancelled,
    createEvent(p.events.cancelled, { ...refOf(event.payload), reason: 'USER_CANCELLED' }),
  );
  await p.replayEverything();
  await p.stop();

  const payment = await db.payment.findUniqueOrThrow({ where: { orderId: event.payload.orderId } });
  expect(payment).toMatchObject({ status: 'REFUNDED', amountCents: 1234 });
  expect(payment.refundedAt).not.toBeNull();
  expect(await outboxOf(event.payload.orderId)).toEqual([
    expect.objectContaining({ type: 'payment.succeeded' }),
    {
      type: 'payment.refunded',
      payload: {
        ...refOf(event.payload),
        paymentId: payment.paymentId,
        amountCents: 1234,
        reason: 'order cancelled: PAYMENT_DEADLINE_EXPIRED',
      },
    },
  ]);
});

it('keeps no payment when the reservation and the cancellation are handled at the same time', async () => {
  const p = await payments();
  await p.stop(); // this test drives the transactions itself, two per order at once
  const store = new PrismaConsumerStore(db);
  const reserved = new InventoryReservedIntegrationEventHandler(logger, provider, policy);
  const cancelled = new OrderCancelledIntegrationEventHandler(logger, provider);
  const orders = Array.from({ length: 20 }, () => reservation(p.events.reserved));
  const run = (work: (tx: PaymentTransaction, outbox: Outbox) => Promise<void>) =>
    store.transaction(async (tx) => {
      const entries: OutboxEntry[] = [];
      await work(tx, collect(entries));
      await store.appendOutbox(tx, entries);
    });

  await Promise.all(
    orders.flatMap((order) => {
      const cancel = createEvent(p.events.cancelled, {
        ...refOf(order.payload),
        reason: 'PAYMENT_DEADLINE_EXPIRED' as const,
      });
      return [
        run((tx, outbox) => reserved.handle(order, { tx, outbox, context })),
        run((tx, outbox) => cancelled.handle(cancel, { tx, outbox, context })),
      ];
    }),
  );

  const ids = orders.map((o) => o.payload.orderId);
  const rows = await db.payment.findMany({ where: { orderId: { in: ids } } });
  expect(rows).toHaveLength(ids.length);
  // Each order was either never charged or charged and refunded; never kept.
  for (const row of rows) expect(['VOIDED', 'REFUNDED']).toContain(row.status);
  const refunded = rows.filter((r) => r.status === 'REFUNDED').length;
  expect(
    await db.outboxEvent.count({ where: { key: { in: ids }, type: 'payment.refunded' } }),
  ).toBe(refunded);
  expect(
    await db.outboxEvent.count({ where: { key: { in: ids }, type: 'payment.succeeded' } }),
  ).toBe(refunded);
});

const context: EventContext = {
  topic: 'direct',
  partition: 0,
  offset: '0',
  attempt: 1,
  consumerGroup: 'direct',
};

function collect(entries: OutboxEntry[]): Outbox {
  return {
    add(definition, payload) {
      const event = createEvent(definition, payload);
      entries.push({ topic: definition.topic, event, headers: {} });
      return event;
    },
  };
}
