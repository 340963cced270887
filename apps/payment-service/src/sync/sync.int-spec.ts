import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Global, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type SyncChargeRequest, SyncRoute, syncPath } from '@seckill/contracts';
import { ConsumerStore } from '@seckill/kafka';
import type { LogLevel } from '@seckill/observability';
import { PersistenceModule, PrismaConsumerStore, ScratchDatabase } from '@seckill/persistence';
import { createServiceApp } from '@seckill/service-kit';
import { postgresServerUrl, testEndpoints, waitFor } from '@seckill/testing';
import { SERVICE } from '../config';
import { PaymentDatabase } from '../database';
import { CaptureRetryPolicy } from '../payments/capture-with-retries';
import { CapturerSettings, PaymentCapturer } from '../payments/payment-capturer';
import {
  DECLINE_REASON,
  type ProviderDecision,
  SimulatedPaymentProvider,
} from '../payments/simulated-payment-provider';
import { REFUNDED_LATE } from './sync-payment-rules';
import { SYNC_LEASE_UNTIL } from './sync-payment.service';
import { SyncModule } from './sync.module';

/**
 * The synchronous baseline's payment routes over HTTP, in the service's Nest app as it is built
 * (createServiceApp: problem+json, the Zod pipe), on a database of the file's own, with a
 * scripted provider (no randomness; latency 0 unless a test slows it down) and the real capturer
 * running beside them: capture, decline, timeouts, the compensations and their tombstone, the
 * verifier's rule for a failed order (no payment CAPTURED or PENDING, no charge SUCCEEDED), and
 * never an outbox row for a sync order. The service's consumer group is not booted: it would
 * read the shop's real topics.
 */
const endpoints = testEndpoints();

/** What the provider decides, per order, call after call; APPROVE once the script runs out. */
const script = new Map<string, ProviderDecision[]>();
/** How often the provider decided for an order (a replayed key is not a decision). */
const decisions = new Map<string, number>();
/** The provider reads these on every call: a test may slow it down. */
const providerSettings = { latencyMs: 0, timeoutMs: 0, failureRate: 0, timeoutRate: 0 };
const ATTEMPTS = 3;
/** Short, so the capturer would take up an event-path intent quickly (it takes sync ones never). */
const LEASE_MS = 300;

/** Orders of the event path this file writes on purpose: their outbox rows are expected. */
const eventPathOrders = new Set<string>();

/** What PaymentProviderModule provides in the service, with the scripted provider. */
@Global()
@Module({
  providers: [
    {
      provide: SimulatedPaymentProvider,
      inject: [PaymentDatabase],
      useFactory: (db: PaymentDatabase) =>
        new SimulatedPaymentProvider(db, providerSettings, (key) => {
          decisions.set(key, (decisions.get(key) ?? 0) + 1);
          return script.get(key)?.shift() ?? 'APPROVE';
        }),
    },
    { provide: CaptureRetryPolicy, useValue: new CaptureRetryPolicy(ATTEMPTS, 1) },
    // The capturer's store without the outbox relay: nothing of this file reaches Kafka.
    {
      provide: ConsumerStore,
      inject: [PaymentDatabase],
      useFactory: (db: PaymentDatabase) => new PrismaConsumerStore(db),
    },
    { provide: CapturerSettings, useValue: new CapturerSettings(16, LEASE_MS, 20) },
    PaymentCapturer,
  ],
  exports: [SimulatedPaymentProvider, CaptureRetryPolicy],
})
class TestProviderModule {}

@Module({})
class SyncTestModule {}

let database: ScratchDatabase;
let app: NestFastifyApplication;
let db: PaymentDatabase;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'payment_sync_it',
    prismaDir: path.join(__dirname, '..', '..', 'prisma'),
  });
  app = await createServiceApp({
    service: SERVICE,
    config: {
      HOST: '127.0.0.1',
      PORT: 0,
      LOG_LEVEL: (process.env.IT_LOG_LEVEL ?? 'error') as LogLevel,
      SHUTDOWN_TIMEOUT_MS: 5_000,
    },
    module: {
      module: SyncTestModule,
      imports: [
        PersistenceModule.forRoot({
          client: PaymentDatabase,
          databaseUrl: database.url,
          poolSize: 12,
          applicationName: 'payment-sync-it',
          create: (adapter) => new PaymentDatabase({ adapter }),
        }),
        TestProviderModule,
        SyncModule,
      ],
    },
  });
  await app.init(); // starts the capturer
  await app.getHttpAdapter().getInstance().ready();
  db = app.get(PaymentDatabase);
});

afterEach(() => {
  providerSettings.latencyMs = 0;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function order(overrides: Partial<SyncChargeRequest> = {}): SyncChargeRequest {
  const orderId = randomUUID();
  return {
    orderId,
    saleId: 'sale-sync',
    userId: `user-${orderId.slice(0, 8)}`,
    quantity: 2,
    amountCents: 3998,
    ...overrides,
  };
}

async function post(url: string, payload?: unknown) {
  const response = await app.inject({ method: 'POST', url, payload: payload as object });
  return {
    status: response.statusCode,
    type: response.headers['content-type'],
    body: response.json<Record<string, unknown>>(),
  };
}

const charge = (request: unknown) => post(SyncRoute.Charge, request);
const refund = (orderId: string) => post(syncPath(SyncRoute.Refund, orderId), {});

const paymentOf = (orderId: string) => db.payment.findUnique({ where: { orderId } });
const chargeOf = (orderId: string) =>
  db.providerCharge.findUnique({ where: { idempotencyKey: orderId } });

const problem = (status: number, code: string) => ({
  status,
  type: 'application/problem+json; charset=utf-8',
  body: expect.objectContaining({ status, code }),
});

/** The verifier's effects rule for a FAILED order (infra/verify/rules-orders.ts). */
async function expectNoMoneyKept(orderId: string) {
  expect(['CAPTURED', 'PENDING']).not.toContain((await paymentOf(orderId))?.status);
  expect((await chargeOf(orderId))?.status).not.toBe('SUCCEEDED');
}

it('captures: a payment CAPTURED, the provider charged once under the order id; 201', async () => {
  const request = order();

  const answer = await charge(request);

  expect(answer).toEqual({
    status: 201,
    type: 'application/json; charset=utf-8',
    body: { orderId: request.orderId, status: 'CAPTURED' },
  });
  expect(await paymentOf(request.orderId)).toMatchObject({
    saleId: request.saleId,
    userId: request.userId,
    quantity: 2,
    amountCents: 3998,
    status: 'CAPTURED',
    reason: null,
    leaseUntil: null,
  });
  // The key the verifier matches to the order, as on the event path.
  expect(await chargeOf(request.orderId)).toMatchObject({
    amountCents: 3998,
    status: 'SUCCEEDED',
  });
  expect(decisions.get(request.orderId)).toBe(1);
});

it('answers repeated calls with the first capture and charges once', async () => {
  const request = order();
  const first = await charge(request);
  const again = [
    await charge(request),
    ...(await Promise.all(range(10).map(() => charge(request)))),
  ];

  for (const answer of again) expect(answer).toEqual(first);
  expect(decisions.get(request.orderId)).toBe(1);
  expect(await db.payment.count({ where: { orderId: request.orderId } })).toBe(1);
});

it('charges ten concurrent first calls of one order once', async () => {
  const request = order();
  const answers = await Promise.all(range(10).map(() => charge(request)));

  for (const answer of answers) expect(answer.status).toBe(201);
  expect(decisions.get(request.orderId)).toBe(1);
  expect(await paymentOf(request.orderId)).toMatchObject({ status: 'CAPTURED' });
});

it('charges 60 buyers at once, each once, on a pool of 12 connections', async () => {
  providerSettings.latencyMs = 20;
  const buyers = range(60).map(() => order());

  const answers = await Promise.all(buyers.map(charge));

  expect(answers.map((a) => a.status)).toEqual(buyers.map(() => 201));
  const orderIds = buyers.map((b) => b.orderId);
  expect(await db.payment.count({ where: { orderId: { in: orderIds }, status: 'CAPTURED' } })).toBe(
    60,
  );
  expect(
    await db.providerCharge.count({
      where: { idempotencyKey: { in: orderIds }, status: 'SUCCEEDED' },
    }),
  ).toBe(60);
});

it('answers a decline with 402 PAYMENT_DECLINED, a DECLINED payment, and the same again', async () => {
  const request = order();
  script.set(request.orderId, ['DECLINE']);

  const answer = await charge(request);

  expect(answer).toMatchObject(problem(402, 'PAYMENT_DECLINED'));
  expect(await paymentOf(request.orderId)).toMatchObject({
    status: 'DECLINED',
    reason: DECLINE_REASON,
  });
  expect(await chargeOf(request.orderId)).toMatchObject({ status: 'DECLINED' });
  expect(await charge(request)).toMatchObject({
    ...answer,
    body: { ...answer.body, requestId: expect.any(String) },
  });
  expect(decisions.get(request.orderId)).toBe(1);

  // Its compensation: nothing was taken, the payment stays DECLINED.
  expect(await refund(request.orderId)).toMatchObject({
    status: 200,
    body: { orderId: request.orderId, status: 'VOIDED' },
  });
  expect(await paymentOf(request.orderId)).toMatchObject({ status: 'DECLINED' });
  await expectNoMoneyKept(request.orderId);
});

it('retries provider timeouts with the same key; after the attempts, 504 and a PENDING payment the capturer leaves alone', async () => {
  const request = order();
  script.set(request.orderId, ['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
  // An event-path intent beside it (no lease): the capturer is running and takes that one up.
  const eventOrder = randomUUID();
  eventPathOrders.add(eventOrder);
  await db.payment.create({
    data: {
      paymentId: randomUUID(),
      orderId: eventOrder,
      saleId: 'sale-events',
      userId: 'user-events',
      quantity: 1,
      amountCents: 100,
      status: 'PENDING',
    },
  });

  expect(await charge(request)).toMatchObject(problem(504, 'UPSTREAM_UNAVAILABLE'));
  expect(decisions.get(request.orderId)).toBe(ATTEMPTS);

  await waitFor(
    async () => (await paymentOf(eventOrder))?.status === 'CAPTURED',
    'the capturer to capture the event-path intent',
  );
  await sleep(LEASE_MS * 2); // past any lease the capturer would honour
  expect(await paymentOf(request.orderId)).toMatchObject({
    status: 'PENDING',
    attempts: 0, // never taken up
    leaseUntil: SYNC_LEASE_UNTIL,
  });
  expect(await chargeOf(request.orderId)).toBeNull();

  // A repeated call charges again with the same key; the provider approves this time.
  expect(await charge(request)).toMatchObject({ status: 201, body: { status: 'CAPTURED' } });
  expect(await paymentOf(request.orderId)).toMatchObject({ status: 'CAPTURED', leaseUntil: null });
  expect(decisions.get(request.orderId)).toBe(ATTEMPTS + 1);
});

it('voids a PENDING payment the provider never charged; a late charge is refused', async () => {
  const request = order();
  script.set(request.orderId, ['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
  expect((await charge(request)).status).toBe(504);

  expect(await refund(request.orderId)).toMatchObject({
    status: 200,
    body: { orderId: request.orderId, status: 'VOIDED' },
  });
  expect(await paymentOf(request.orderId)).toMatchObject({ status: 'VOIDED', leaseUntil: null });
  expect(await charge(request)).toMatchObject(problem(409, 'CONFLICT'));
  expect(decisions.get(request.orderId)).toBe(ATTEMPTS);
  await expectNoMoneyKept(request.orderId);
});

it('refunds a PENDING payment whose charge the provider made but never answered', async () => {
  const request = order();
  // The last attempt charges, then loses the answer: the caller hears 504, the money is taken.
  script.set(request.orderId, ['TIMEOUT', 'TIMEOUT', 'LOST_ANSWER']);
  expect((await charge(request)).status).toBe(504);
  expect(await chargeOf(request.orderId)).toMatchObject({ status: 'SUCCEEDED' });

  expect(await refund(request.orderId)).toMatchObject({
    status: 200,
    body: { orderId: request.orderId, status: 'REFUNDED' },
  });
  expect(await paymentOf(request.orderId)).toMatchObject({
    status: 'REFUNDED',
    refundedAt: expect.any(Date),
  });
  expect(await chargeOf(request.orderId)).toMatchObject({ status: 'REFUNDED' });
  await expectNoMoneyKept(request.orderId);
});

it('refunds a captured payment once; a repeat answers REFUNDED, a charge is refused', async () => {
  const request = order();
  await charge(request);

  for (let n = 0; n < 3; n++) {
    expect(await refund(request.orderId)).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: { orderId: request.orderId, status: 'REFUNDED' },
    });
  }
  expect(await paymentOf(request.orderId)).toMatchObject({
    status: 'REFUNDED',
    reason: 'SYNC_COMPENSATION',
  });
  expect(await chargeOf(request.orderId)).toMatchObject({ status: 'REFUNDED' });
  expect(await charge(request)).toMatchObject(problem(409, 'CONFLICT'));
  await expectNoMoneyKept(request.orderId);
});

it('leaves a VOIDED tombstone for an order refunded before any charge; its charge is refused', async () => {
  const request = order();

  expect(await refund(request.orderId)).toMatchObject({
    status: 200,
    body: { orderId: request.orderId, status: 'VOIDED' },
  });
  expect(await paymentOf(request.orderId)).toMatchObject({
    status: 'VOIDED',
    quantity: 0,
    amountCents: 0,
    reason: 'SYNC_COMPENSATION',
  });

  const late = await charge(request);
  expect(late).toMatchObject(problem(409, 'CONFLICT'));
  expect(late.body.detail).toBe(
    `The payment of order ${request.orderId} is VOIDED (SYNC_COMPENSATION).`,
  );
  expect(decisions.has(request.orderId)).toBe(false);
  expect(await chargeOf(request.orderId)).toBeNull();
  expect(await refund(request.orderId)).toMatchObject({ status: 200, body: { status: 'VOIDED' } });
});

it('answers a body that is not a charge with 400, and the order id with another amount with 409', async () => {
  const answer = await charge({ ...order(), amountCents: -1, tip: 5 });
  expect(answer).toMatchObject(problem(400, 'VALIDATION_FAILED'));
  expect(answer.body.errors).toEqual(
    expect.arrayContaining([
      { path: 'amountCents', message: expect.any(String) },
      { path: 'tip', message: 'unknown field' },
    ]),
  );
  expect(await charge(undefined)).toMatchObject(problem(400, 'VALIDATION_FAILED'));

  const request = order();
  await charge(request);
  expect(await charge({ ...request, amountCents: 1 })).toMatchObject(
    problem(409, 'IDEMPOTENCY_KEY_REUSED'),
  );
  expect(await paymentOf(request.orderId)).toMatchObject({ status: 'CAPTURED', amountCents: 3998 });
});

it('makes the buyer wait for a slow provider', async () => {
  providerSettings.latencyMs = 300;
  const request = order();
  const started = Date.now();

  expect((await charge(request)).status).toBe(201);

  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
});

it('refunds what a charge in flight took after its compensation looked, and refuses that charge', async () => {
  providerSettings.latencyMs = 400;
  const request = order();
  const charged = charge(request);
  await waitFor(
    async () => (await paymentOf(request.orderId))?.status === 'PENDING',
    'the intent of the charge in flight',
    { intervalMs: 10 },
  );
  // The compensation's provider calls are quick: it looks before the charge lands.
  providerSettings.latencyMs = 0;

  expect(await refund(request.orderId)).toMatchObject({ status: 200, body: { status: 'VOIDED' } });
  expect(await charged).toMatchObject(problem(409, 'CONFLICT'));
  expect(await paymentOf(request.orderId)).toMatchObject({
    status: 'REFUNDED',
    reason: REFUNDED_LATE,
  });
  expect(await chargeOf(request.orderId)).toMatchObject({ status: 'REFUNDED' });
  await expectNoMoneyKept(request.orderId);
});

it('keeps no money when a compensation races the charge in flight, whichever wins', async () => {
  providerSettings.latencyMs = 100;
  const orders = range(8).map(() => order());

  const answers = await Promise.all(
    orders.map(async (request, n) => {
      const charged = charge(request);
      await sleep(n * 15); // from before the intent to after the provider charged
      const [paid, refunded] = await Promise.all([charged, refund(request.orderId)]);
      expect(refunded.status).toBe(200);
      return paid.status;
    }),
  );

  expect(answers.every((status) => status === 201 || status === 409)).toBe(true);
  for (const { orderId } of orders) await expectNoMoneyKept(orderId);
});

it('announced nothing for any sync order above: no outbox row but the event-path one', async () => {
  // The event-driven saga would act on a sync order's event.
  expect(await db.outboxEvent.count({ where: { key: { notIn: [...eventPathOrders] } } })).toBe(0);
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
