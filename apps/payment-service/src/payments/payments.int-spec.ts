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
  HandlerBatch,
  ConsumerScenario,
  type ConsumerScenarioOptions,
  DLQ_HEADER,
  type EventContext,
  EventPublisher,
  type HandlerScope,
  onTopic,
  type Outbox,
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
import { PaymentDatabase, type PaymentTransaction } from '../database';
import { CaptureRetryPolicy } from './capture-with-retries';
import { InventoryReservedIntegrationEventHandler } from './inventory-reserved.handler';
import { OrderCancelledIntegrationEventHandler } from './order-cancelled.handler';
import { CapturerSettings, PaymentCapturer } from './payment-capturer';
import { type IntentRequest, PaymentIntentWriter } from './payment-intent-writer';
import {
  type Charge,
  type ChargeRequest,
  DECLINE_REASON,
  IdempotencyKeyReusedError,
  type ProviderDecision,
  SimulatedPaymentProvider,
} from './simulated-payment-provider';

/**
 * payment-service's saga steps through the real consumer runner, on the real broker, into a
 * database of the file's own, with a scripted provider (no randomness, no latency) and the real
 * capturer: the intent in the consumer's transaction, the provider call outside it, the result
 * in a second transaction. One charge per order at most, also across a capturer that died
 * between the call and the record; declines, timeouts, and no payment kept for a cancelled order
 * whichever comes first.
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

/** What the provider decides, per order, call after call; APPROVE once the script runs out. */
const script = new Map<string, ProviderDecision[]>();
/** How often the provider decided for an order (a replayed key is not a decision). */
const decisions = new Map<string, number>();
const policy = new CaptureRetryPolicy(3, 1);
/** One for every handler, as in the service: a transaction's intents reach one write. */
const writer = new PaymentIntentWriter(logger);
/** Short: a dead capturer's intents are taken up again after this. */
const LEASE_MS = 300;

let database: ScratchDatabase;
let db: PaymentDatabase;
let provider: SimulatedPaymentProvider;
let capturer: PaymentCapturer;

function newCapturer(
  withProvider: Pick<SimulatedPaymentProvider, 'charge' | 'retrieve' | 'refund'>,
) {
  return new PaymentCapturer(
    db,
    withProvider as SimulatedPaymentProvider,
    new PrismaConsumerStore<PaymentTransaction>(db),
    policy,
    new CapturerSettings(16, LEASE_MS, 20),
    logger,
    new MetricsRegistry('payment-it'),
  );
}

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'payment_it',
    prismaDir: path.join(__dirname, '..', '..', 'prisma'),
  });
  db = new PaymentDatabase({ adapter: createPgAdapter(database.url, { poolSize: 12 }) });
  provider = new SimulatedPaymentProvider(
    db,
    { latencyMs: 0, timeoutMs: 0, failureRate: 0, timeoutRate: 0 },
    (key) => {
      decisions.set(key, (decisions.get(key) ?? 0) + 1);
      return script.get(key)?.shift() ?? 'APPROVE';
    },
  );
  capturer = newCapturer(provider);
  capturer.start();
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
  await capturer.stop();
  await publisher.disconnect();
  for (const scenario of scenarios) await scenario.cleanup();
  await admin.deleteTopics({ topics: [deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  await db.$disconnect();
  await database.drop();
});

/** One consumer group on topics of its own (one partition each), like payment-service. */
async function payments() {
  const scenario = await paymentsGroup();
  await scenario.start();
  return scenario;
}

/** The group of `payments()`, not started yet; `layout` gives its topics more partitions. */
async function paymentsGroup(
  layout: Pick<ConsumerScenarioOptions, 'partitions' | 'partitionsConsumedConcurrently'> = {},
) {
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
    backoff: { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 10 },
    handlers: [
      onTopic(new InventoryReservedIntegrationEventHandler(logger, writer), events.reserved),
      onTopic(new OrderCancelledIntegrationEventHandler(logger, provider), events.cancelled),
    ],
    ...layout,
  });
  scenarios.push(scenario);
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

/** The payment once the capturer has settled it (no longer PENDING). */
async function settled(orderId: string) {
  await waitFor(
    async () => (await db.payment.count({ where: { orderId, status: { not: 'PENDING' } } })) === 1,
    `the payment of ${orderId} to be settled`,
  );
  return db.payment.findUniqueOrThrow({ where: { orderId } });
}

const chargesOf = (orderId: string) =>
  db.providerCharge.findMany({ where: { idempotencyKey: orderId } });

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

  const payment = await settled(event.payload.orderId);
  expect(payment).toMatchObject({ status: 'CAPTURED', amountCents: 5000, attempts: 1 });
  expect(decisions.get(event.payload.orderId)).toBe(1);
  expect(await chargesOf(event.payload.orderId)).toEqual([
    expect.objectContaining({ status: 'SUCCEEDED', amountCents: 5000 }),
  ]);
  expect(await outboxOf(event.payload.orderId)).toEqual([
    {
      type: 'payment.succeeded',
      payload: { ...refOf(event.payload), paymentId: payment.paymentId, amountCents: 5000 },
    },
  ]);
});

it('dead-letters malformed reservations among good ones on partitions handled at once, and records each good intent once', async () => {
  // Three partitions at once: their chunks share a transaction.
  const p = await paymentsGroup({ partitions: 3, partitionsConsumedConcurrently: 3 });
  const good = [1000, 1001, 1002, 1003, 1004, 1005].map((cents) =>
    reservation(p.events.reserved, cents),
  );
  const invalid = reservation(p.events.reserved);
  // The consumer's effect is the intent: with the capturer off, each one stays as the consumer
  // wrote it. Charging is the capturer's part, tested above and below.
  await capturer.stop();
  try {
    const mix = await runPoisonMix({
      kafka,
      admin,
      group: p,
      topic: p.events.reserved.topic,
      deadLetterTopic,
      headers: DLQ_HEADER,
      messages: poisonAmongGood(good, {
        ...invalid,
        payload: { ...invalid.payload, amountCents: -1 },
      }),
    });
    await p.stop();

    expect(mix.deadLetters).toEqual(mix.expectedDeadLetters);
    const ids = [...good, invalid].map((event) => event.payload.orderId);
    expect(await db.payment.count({ where: { orderId: { in: ids } } })).toBe(good.length);
    for (const { payload } of good) {
      expect(await db.payment.findUnique({ where: { orderId: payload.orderId } })).toMatchObject({
        status: 'PENDING',
        amountCents: payload.amountCents,
        attempts: 0,
      });
    }
    expect(await db.outboxEvent.count({ where: { key: { in: ids } } })).toBe(0);
  } finally {
    capturer = newCapturer(provider);
    capturer.start();
  }
});

it('records the intent in the consumer transaction and charges only after it committed', async () => {
  const p = await payments();
  await p.stop(); // this test drives the handler itself
  const store = new PrismaConsumerStore<PaymentTransaction>(db);
  const handler = new InventoryReservedIntegrationEventHandler(logger, writer);
  const event = reservation(p.events.reserved);
  await expect(
    store.transaction(async (tx) => {
      const batch = new HandlerBatch(tx);
      await handler.handle(event, batch.scope(context));
      await batch.flush();
      expect(await tx.payment.count({ where: { orderId: event.payload.orderId } })).toBe(1);
      throw new Error('the consumer transaction rolls back');
    }),
  ).rejects.toThrow('rolls back');
  // Nothing committed, so nothing to charge: the provider is never asked.
  await expect(capturer.takeUp(100)).resolves.toEqual([]);
  expect(await db.payment.count({ where: { orderId: event.payload.orderId } })).toBe(0);
  expect(decisions.get(event.payload.orderId)).toBeUndefined();
});

it('emits payment.failed with the reason when the provider declines', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved);
  script.set(event.payload.orderId, ['DECLINE']);
  await p.deliver(p.events.reserved, event);
  await p.stop();

  expect(await settled(event.payload.orderId)).toMatchObject({
    status: 'DECLINED',
    reason: DECLINE_REASON,
  });
  expect(await outboxOf(event.payload.orderId)).toEqual([
    { type: 'payment.failed', payload: { ...refOf(event.payload), reason: DECLINE_REASON } },
  ]);
});

it('retries a timeout with the same key: a charge whose answer was lost is not made twice', async () => {
  const p = await payments();
  const before = reservation(p.events.reserved);
  const after = reservation(p.events.reserved);
  script.set(before.payload.orderId, ['TIMEOUT', 'APPROVE']); // timed out before charging
  script.set(after.payload.orderId, ['LOST_ANSWER']); // charged, then the answer was lost
  await p.deliver(p.events.reserved, before);
  await p.deliver(p.events.reserved, after);
  await p.stop();

  for (const [event, decided] of [
    [before, 2],
    [after, 1],
  ] as const) {
    const { orderId } = event.payload;
    expect(await settled(orderId)).toMatchObject({ status: 'CAPTURED' });
    expect(decisions.get(orderId)).toBe(decided);
    expect(await chargesOf(orderId)).toHaveLength(1);
    expect((await outboxOf(orderId)).map((e) => e.type)).toEqual(['payment.succeeded']);
  }
});

it('takes up again, after a backoff, an intent whose every call timed out: one charge', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved);
  // The take-up's three calls time out; the next take-up (after ≤ 1 s) charges.
  script.set(event.payload.orderId, ['TIMEOUT', 'TIMEOUT', 'TIMEOUT', 'APPROVE']);
  await p.deliver(p.events.reserved, event);
  await p.stop();

  expect(await settled(event.payload.orderId)).toMatchObject({ status: 'CAPTURED', attempts: 2 });
  expect(decisions.get(event.payload.orderId)).toBe(4);
  expect(await chargesOf(event.payload.orderId)).toHaveLength(1);
  expect((await outboxOf(event.payload.orderId)).map((e) => e.type)).toEqual(['payment.succeeded']);
});

it('charges once when the capturer dies after the provider call and before recording the result', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved, 777);
  const { orderId } = event.payload;
  await capturer.stop(); // the file's capturer must not take this intent up first
  // A capturer that dies right after the provider charged: its record step never comes.
  const charged: string[] = [];
  const dying = newCapturer({
    charge: async (request: ChargeRequest, attempt?: number): Promise<Charge> => {
      await provider.charge(request, attempt);
      charged.push(request.idempotencyKey);
      return new Promise<never>(() => undefined);
    },
    retrieve: (key: string) => provider.retrieve(key),
    refund: (key: string) => provider.refund(key),
  });
  dying.start();
  await p.deliver(p.events.reserved, event);
  await p.stop();
  await waitFor(() => charged.includes(orderId), 'the dying capturer to charge');
  void dying.stop(); // takes up nothing more; its capture in flight never returns
  expect(await db.payment.findUniqueOrThrow({ where: { orderId } })).toMatchObject({
    status: 'PENDING',
  });

  // The restart: a new capturer takes the intent up once the lease ran out, and asks first.
  capturer = newCapturer(provider);
  capturer.start();
  const payment = await settled(orderId);
  expect(payment).toMatchObject({ status: 'CAPTURED', attempts: 2, amountCents: 777 });
  expect(decisions.get(orderId)).toBe(1); // the provider decided once: one charge
  expect(await chargesOf(orderId)).toEqual([
    expect.objectContaining({ status: 'SUCCEEDED', amountCents: 777 }),
  ]);
  expect((await outboxOf(orderId)).map((e) => e.type)).toEqual(['payment.succeeded']);
});

it('answers a repeated capture with the first result and refuses the key with other parameters', async () => {
  const key = randomUUID();
  const first = await provider.charge({ idempotencyKey: key, amountCents: 1500 });
  const again = await provider.charge({ idempotencyKey: key, amountCents: 1500 }, 2);
  expect(again).toEqual(first);
  await expect(provider.charge({ idempotencyKey: key, amountCents: 1600 })).rejects.toBeInstanceOf(
    IdempotencyKeyReusedError,
  );
  expect(decisions.get(key)).toBe(1);
  expect(await chargesOf(key)).toEqual([expect.objectContaining({ amountCents: 1500 })]);
  await expect(provider.retrieve(key)).resolves.toEqual(first);
  await expect(provider.retrieve(randomUUID())).resolves.toBeNull();
});

it('gives concurrent charges one ledger look-up and one write between them: the same key twice is one charge', async () => {
  const ledger = countingCalls(db, ['$queryRaw', '$executeRaw', 'providerCharge']);
  const batched = new SimulatedPaymentProvider(
    ledger.proxy,
    { latencyMs: 0, timeoutMs: 0, failureRate: 0, timeoutRate: 0 },
    (key) => (key.startsWith('decline-') ? 'DECLINE' : 'APPROVE'),
  );
  const keys = Array.from({ length: 20 }, (_, n) => `${n < 5 ? 'decline-' : ''}${randomUUID()}`);
  const twice = keys[7] as string;
  const answers = await Promise.all(
    [...keys, twice].map((idempotencyKey) => batched.charge({ idempotencyKey, amountCents: 700 })),
  );

  expect(ledger.calls()).toBe(2);
  expect(answers.map((a) => a.status)).toEqual([
    ...keys.map((key) => (key.startsWith('decline-') ? 'DECLINED' : 'SUCCEEDED')),
    'SUCCEEDED',
  ]);
  expect(answers[answers.length - 1]).toEqual(answers[7]); // one charge, the same answer
  const ledgerRows = await db.providerCharge.findMany({ where: { idempotencyKey: { in: keys } } });
  expect(ledgerRows).toHaveLength(20);
  expect(ledgerRows.filter((row) => row.status === 'DECLINED')).toEqual(
    Array.from({ length: 5 }, () => expect.objectContaining({ reason: DECLINE_REASON })),
  );
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

  expect(decisions.get(event.payload.orderId)).toBeUndefined(); // the provider was never asked
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
  await settled(event.payload.orderId);
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
  expect(await chargesOf(event.payload.orderId)).toEqual([
    expect.objectContaining({ status: 'REFUNDED' }),
  ]);
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

it('refunds at once a capture that was in flight when the order was cancelled', async () => {
  const p = await payments();
  const event = reservation(p.events.reserved, 999);
  const { orderId } = event.payload;
  await capturer.stop();
  // A capturer whose provider answers only once the cancellation is recorded.
  let answer: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (answer = resolve));
  const asked: string[] = [];
  capturer = newCapturer({
    charge: async (request: ChargeRequest, attempt?: number) => {
      asked.push(request.idempotencyKey);
      const charge = await provider.charge(request, attempt);
      await held;
      return charge;
    },
    retrieve: (key: string) => provider.retrieve(key),
    refund: (key: string) => provider.refund(key),
  });
  capturer.start();
  await p.deliver(p.events.reserved, event);
  await waitFor(() => asked.includes(orderId), 'the capture to be in flight');
  await p.deliver(
    p.events.cancelled,
    createEvent(p.events.cancelled, { ...refOf(event.payload), reason: 'USER_CANCELLED' }),
  );
  await p.stop();
  answer?.();

  const payment = await settled(orderId);
  expect(payment).toMatchObject({ status: 'REFUNDED', reason: 'order cancelled: USER_CANCELLED' });
  expect(await chargesOf(orderId)).toEqual([expect.objectContaining({ status: 'REFUNDED' })]);
  expect((await outboxOf(orderId)).map((e) => e.type)).toEqual([
    'payment.succeeded',
    'payment.refunded',
  ]);
});

it('keeps no payment when the reservation and the cancellation are handled at the same time', async () => {
  const p = await payments();
  await p.stop(); // this test drives the transactions itself, two per order at once
  const store = new PrismaConsumerStore(db);
  const reserved = new InventoryReservedIntegrationEventHandler(logger, writer);
  const cancelled = new OrderCancelledIntegrationEventHandler(logger, provider);
  const orders = Array.from({ length: 20 }, () => reservation(p.events.reserved));
  const run = (work: (scope: HandlerScope<PaymentTransaction>) => Promise<void>) =>
    store.transaction(async (tx) => {
      const entries: OutboxEntry[] = [];
      const batch = new HandlerBatch(tx);
      await work({ ...batch.scope(context), outbox: collect(entries) });
      await batch.flush();
      await store.appendOutbox(tx, entries);
    });

  await Promise.all(
    orders.flatMap((order) => {
      const cancel = createEvent(p.events.cancelled, {
        ...refOf(order.payload),
        reason: 'PAYMENT_DEADLINE_EXPIRED' as const,
      });
      return [
        run((scope) => reserved.handle(order, scope)),
        run((scope) => cancelled.handle(cancel, scope)),
      ];
    }),
  );

  const ids = orders.map((o) => o.payload.orderId);
  for (const id of ids) await settled(id); // the capturer settles the intents that were made
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
  expect(
    await db.providerCharge.count({ where: { idempotencyKey: { in: ids }, status: 'SUCCEEDED' } }),
  ).toBe(0);
});

it('PaymentIntentWriter records a transaction’s intents in two statements: voids the cancelled, skips an order with a payment or earlier in the chunk', async () => {
  const request = (): IntentRequest => {
    const { payload } = reservation(InventoryReservedV1);
    return { eventId: randomUUID(), ...refOf(payload), amountCents: payload.amountCents };
  };
  const [cancelledFirst, paidBefore, fresh, another] = [request(), request(), request(), request()];
  await db.cancelledOrder.create({ data: { orderId: cancelledFirst.orderId, reason: 'TEST' } });
  await db.$transaction((tx) => writer.record(tx, [paidBefore]));
  const before = await db.payment.findUniqueOrThrow({ where: { orderId: paidBefore.orderId } });

  let statements = () => 0;
  const outcomes = await db.$transaction((tx) => {
    const counted = countingCalls(tx, ['$queryRaw', '$executeRaw', 'payment', 'cancelledOrder']);
    statements = counted.calls;
    return writer.record(counted.proxy, [
      cancelledFirst,
      paidBefore,
      fresh,
      { ...fresh, eventId: randomUUID() }, // the same order again, under another event id
      another,
    ]);
  });

  expect(statements()).toBe(2);
  expect(outcomes).toEqual(['VOIDED', 'EXISTED', 'PENDING', 'EXISTED', 'PENDING']);
  const ids = [cancelledFirst, paidBefore, fresh, another].map((r) => r.orderId);
  const rows = await db.payment.findMany({ where: { orderId: { in: ids } } });
  const byOrder = new Map(rows.map((row) => [row.orderId, row]));
  expect(rows).toHaveLength(4);
  expect(byOrder.get(cancelledFirst.orderId)).toMatchObject({
    status: 'VOIDED',
    reason: 'order cancelled before payment: TEST',
  });
  // The same row (the running capturer may be charging it meanwhile), not a second one.
  expect(byOrder.get(paidBefore.orderId)?.paymentId).toBe(before.paymentId);
  for (const { orderId, amountCents, quantity } of [fresh, another]) {
    expect(byOrder.get(orderId)).toMatchObject({ status: 'PENDING', amountCents, quantity });
  }
  for (const id of [fresh.orderId, another.orderId]) await settled(id);
  expect(decisions.get(cancelledFirst.orderId)).toBeUndefined(); // never charged
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
