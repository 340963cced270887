import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SyncRoute, type SyncShipRequest } from '@seckill/contracts';
import type { LogLevel } from '@seckill/observability';
import { PersistenceModule, ScratchDatabase } from '@seckill/persistence';
import { createServiceApp } from '@seckill/service-kit';
import { postgresServerUrl, testEndpoints } from '@seckill/testing';
import { SERVICE } from '../config';
import { LogisticsDatabase } from '../database';
import { ShipmentStatus } from '../shipments/shipment-status';
import { SyncModule } from './sync.module';

/**
 * The synchronous baseline's shipment route over HTTP, in the service's Nest app as it is built
 * (createServiceApp: problem+json, the Zod pipe), on a database of the file's own: one shipment
 * per order however often or concurrently it is asked for, nothing for a cancelled order, and
 * never an outbox row. The service's consumer group is not booted: it would read the shop's
 * real topics.
 */
const endpoints = testEndpoints();

@Module({})
class SyncTestModule {}

let database: ScratchDatabase;
let app: NestFastifyApplication;
let db: LogisticsDatabase;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'logistics_sync_it',
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
          client: LogisticsDatabase,
          databaseUrl: database.url,
          poolSize: 8,
          applicationName: 'logistics-sync-it',
          create: (adapter) => new LogisticsDatabase({ adapter }),
        }),
        SyncModule,
      ],
    },
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  db = app.get(LogisticsDatabase);
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function order(overrides: Partial<SyncShipRequest> = {}): SyncShipRequest {
  const orderId = randomUUID();
  return {
    orderId,
    saleId: 'sale-sync',
    userId: `user-${orderId.slice(0, 8)}`,
    quantity: 2,
    ...overrides,
  };
}

async function ship(payload: unknown) {
  const response = await app.inject({
    method: 'POST',
    url: SyncRoute.Ship,
    payload: payload as object,
  });
  return {
    status: response.statusCode,
    type: response.headers['content-type'],
    body: response.json<Record<string, unknown>>(),
  };
}

const problem = (status: number, code: string) => ({
  status,
  type: 'application/problem+json; charset=utf-8',
  body: expect.objectContaining({ status, code }),
});

it('creates the shipment with a tracking number; 201', async () => {
  const request = order();

  const answer = await ship(request);

  expect(answer).toEqual({
    status: 201,
    type: 'application/json; charset=utf-8',
    body: {
      orderId: request.orderId,
      trackingNumber: expect.stringMatching(/^SK[0-9A-F]{16}$/),
      status: 'CREATED',
    },
  });
  expect(
    await db.shipment.findUniqueOrThrow({ where: { orderId: request.orderId } }),
  ).toMatchObject({
    saleId: request.saleId,
    userId: request.userId,
    quantity: 2,
    trackingNumber: answer.body.trackingNumber,
    paymentId: request.orderId,
    status: ShipmentStatus.Created,
    cancelledAt: null,
  });
});

it('answers repeated and concurrent calls with the first shipment, and ships once', async () => {
  const request = order();
  const first = await ship(request);
  const again = [await ship(request), ...(await Promise.all(range(10).map(() => ship(request))))];
  for (const answer of again) expect(answer).toEqual(first);

  const racing = order();
  const answers = await Promise.all(range(10).map(() => ship(racing)));
  for (const answer of answers) expect(answer).toEqual(answers[0]);
  expect(answers[0]?.status).toBe(201);

  for (const { orderId } of [request, racing]) {
    expect(await db.shipment.count({ where: { orderId } })).toBe(1);
  }
});

it('ships nothing for an order whose shipment was cancelled: 409', async () => {
  const request = order();
  // The tombstone a payment.refunded that came first leaves on the event path.
  await db.shipment.create({
    data: {
      shipmentId: randomUUID(),
      orderId: request.orderId,
      saleId: request.saleId,
      userId: request.userId,
      quantity: request.quantity,
      paymentId: randomUUID(),
      trackingNumber: null,
      status: ShipmentStatus.Cancelled,
      cancelledAt: new Date(),
    },
  });

  const answer = await ship(request);

  expect(answer).toMatchObject(problem(409, 'CONFLICT'));
  expect(answer.body.detail).toBe(`The shipment of order ${request.orderId} is CANCELLED.`);
  expect(
    await db.shipment.findUniqueOrThrow({ where: { orderId: request.orderId } }),
  ).toMatchObject({ status: ShipmentStatus.Cancelled, trackingNumber: null });
});

it('refuses the order id with another quantity: 409 IDEMPOTENCY_KEY_REUSED', async () => {
  const request = order();
  await ship(request);
  expect(await ship({ ...request, quantity: 1 })).toMatchObject(
    problem(409, 'IDEMPOTENCY_KEY_REUSED'),
  );
});

it('answers a body that is not a shipment with 400 VALIDATION_FAILED, field by field', async () => {
  const answer = await ship({ ...order(), quantity: 101, address: 'here' });
  expect(answer).toMatchObject(problem(400, 'VALIDATION_FAILED'));
  expect(answer.body.errors).toEqual(
    expect.arrayContaining([
      { path: 'quantity', message: expect.any(String) },
      { path: 'address', message: 'unknown field' },
    ]),
  );
  expect(await ship(undefined)).toMatchObject(problem(400, 'VALIDATION_FAILED'));
  expect(await db.shipment.count({ where: { quantity: 101 } })).toBe(0);
});

it('announced nothing for any call above: no outbox row', async () => {
  // The event-driven saga would act on a sync order's event.
  expect(await db.outboxEvent.count()).toBe(0);
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
