import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type SyncReserveRequest, SyncRoute, syncPath } from '@seckill/contracts';
import type { LogLevel } from '@seckill/observability';
import { PersistenceModule, ScratchDatabase } from '@seckill/persistence';
import { createServiceApp } from '@seckill/service-kit';
import { postgresServerUrl, testEndpoints } from '@seckill/testing';
import { SERVICE } from '../config';
import { InventoryDatabase } from '../database';
import { SyncModule } from './sync.module';

/**
 * The synchronous baseline's stock routes over HTTP, in the service's Nest app as it is built
 * (createServiceApp: problem+json, the Zod pipe), on a database of the file's own: reserve under
 * the sale's row lock, every refusal, the compensation and its tombstone, no oversell under
 * concurrent buyers, and never an outbox row. Only the sync module is booted: the service's
 * consumer group would read the shop's real topics.
 */
const endpoints = testEndpoints();

@Module({})
class SyncTestModule {}

let database: ScratchDatabase;
let app: NestFastifyApplication;
let db: InventoryDatabase;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'inventory_sync_it',
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
          client: InventoryDatabase,
          databaseUrl: database.url,
          // Fewer connections than the concurrency tests have buyers: they queue, as in the shop.
          poolSize: 12,
          applicationName: 'inventory-sync-it',
          create: (adapter) => new InventoryDatabase({ adapter }),
        }),
        SyncModule,
      ],
    },
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  db = app.get(InventoryDatabase);
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function stockSale(stock: number): Promise<string> {
  const saleId = `sale-${randomUUID()}`;
  await db.saleStock.create({ data: { saleId, initialStock: stock, available: stock } });
  return saleId;
}

function order(saleId: string, overrides: Partial<SyncReserveRequest> = {}): SyncReserveRequest {
  const orderId = randomUUID();
  return {
    orderId,
    saleId,
    userId: `user-${orderId.slice(0, 8)}`,
    quantity: 1,
    perUserLimit: 2,
    idempotencyKey: `key-${orderId}`,
    priceCents: 1999,
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

const reserve = (request: unknown) => post(SyncRoute.Reserve, request);
const release = (orderId: string, about: Record<string, unknown> = {}) =>
  post(syncPath(SyncRoute.Release, orderId), about);

/**
 * The sale's stock, checked against the verifier's stock-conserved rule (infra/verify): initial =
 * available + reserved − released, reserved − released = the units of RESERVED reservations, and
 * available − initial = the sum of the sale's inventory log.
 */
async function stockOf(saleId: string) {
  const row = await db.saleStock.findUniqueOrThrow({ where: { saleId } });
  const held = await db.reservation.aggregate({
    where: { saleId, status: 'RESERVED' },
    _sum: { quantity: true },
  });
  const log = await db.inventoryLog.aggregate({ where: { saleId }, _sum: { delta: true } });
  expect(row.available).toBeGreaterThanOrEqual(0);
  expect(row.initialStock).toBe(row.available + row.reserved - row.released);
  expect(row.reserved - row.released).toBe(held._sum.quantity ?? 0);
  expect(row.available - row.initialStock).toBe(log._sum.delta ?? 0);
  return { available: row.available, reserved: row.reserved, released: row.released };
}

const logOf = async (orderId: string) =>
  (await db.inventoryLog.findMany({ where: { orderId }, orderBy: { id: 'asc' } })).map((r) => ({
    saleId: r.saleId,
    kind: r.kind,
    delta: r.delta,
  }));

const problem = (status: number, code: string) => ({
  status,
  type: 'application/problem+json; charset=utf-8',
  body: expect.objectContaining({ status, code }),
});

it('reserves: the reservation, the stock and a RESERVE log row in one transaction; 201', async () => {
  const saleId = await stockSale(10);
  const request = order(saleId, { quantity: 2 });

  const answer = await reserve(request);

  expect(answer).toMatchObject({
    status: 201,
    body: { orderId: request.orderId, reservationId: expect.any(String), status: 'RESERVED' },
  });
  expect(await stockOf(saleId)).toEqual({ available: 8, reserved: 2, released: 0 });
  expect(
    await db.reservation.findUniqueOrThrow({ where: { orderId: request.orderId } }),
  ).toMatchObject({
    reservationId: answer.body.reservationId,
    saleId,
    userId: request.userId,
    quantity: 2,
    status: 'RESERVED',
    idempotencyKey: request.idempotencyKey,
  });
  const [log] = await db.inventoryLog.findMany({ where: { orderId: request.orderId } });
  expect(log).toMatchObject({ saleId, kind: 'RESERVE', delta: -2 });
  expect(log?.eventId).toMatch(/^[0-9a-f-]{36}$/);
});

it('answers a repeated call with the first reservation and takes nothing more', async () => {
  const saleId = await stockSale(3);
  const request = order(saleId);
  const first = await reserve(request);
  // Sequentially, then ten at once: each waits for the sale's lock and finds the order's row.
  const again = [
    await reserve(request),
    ...(await Promise.all(range(10).map(() => reserve(request)))),
  ];

  for (const answer of again) expect(answer).toEqual(first);
  expect(await stockOf(saleId)).toEqual({ available: 2, reserved: 1, released: 0 });
  expect(await logOf(request.orderId)).toEqual([{ saleId, kind: 'RESERVE', delta: -1 }]);
});

it('refuses SOLD_OUT and INSUFFICIENT_STOCK with 409 and writes nothing', async () => {
  const saleId = await stockSale(1);
  const tooMany = order(saleId, { quantity: 2 });
  expect(await reserve(tooMany)).toMatchObject(problem(409, 'INSUFFICIENT_STOCK'));
  expect((await reserve(order(saleId))).status).toBe(201);
  const late = order(saleId);
  expect(await reserve(late)).toMatchObject(problem(409, 'SOLD_OUT'));

  expect(await stockOf(saleId)).toEqual({ available: 0, reserved: 1, released: 0 });
  for (const { orderId } of [tooMany, late]) {
    expect(await db.reservation.count({ where: { orderId } })).toBe(0);
    expect(await logOf(orderId)).toEqual([]);
  }
});

it('refuses LIMIT_REACHED over the units the buyer holds; a release lets them buy again', async () => {
  const saleId = await stockSale(10);
  const buyer = { userId: `user-${randomUUID()}`, perUserLimit: 3 };
  const first = order(saleId, { ...buyer, quantity: 2 });
  const second = order(saleId, { ...buyer, quantity: 2 });
  expect((await reserve(first)).status).toBe(201);

  expect(await reserve(second)).toMatchObject(problem(409, 'LIMIT_REACHED'));
  expect(await db.reservation.count({ where: { orderId: second.orderId } })).toBe(0);
  // Another buyer is not limited by this one.
  expect((await reserve(order(saleId, { quantity: 2 }))).status).toBe(201);

  expect(await release(first.orderId)).toMatchObject({ status: 200 });
  expect((await reserve(second)).status).toBe(201);
  expect(await stockOf(saleId)).toEqual({ available: 6, reserved: 6, released: 2 });
});

it('refuses an unknown sale with 404 SALE_NOT_FOUND', async () => {
  const request = order(`sale-${randomUUID()}`);
  expect(await reserve(request)).toMatchObject(problem(404, 'SALE_NOT_FOUND'));
  expect(await db.reservation.count({ where: { orderId: request.orderId } })).toBe(0);
});

it('refuses a second order under a buyer’s idempotency key with 409 IDEMPOTENCY_KEY_REUSED', async () => {
  const saleId = await stockSale(10);
  const first = order(saleId);
  const reused = order(saleId, { userId: first.userId, idempotencyKey: first.idempotencyKey });
  expect((await reserve(first)).status).toBe(201);

  expect(await reserve(reused)).toMatchObject(problem(409, 'IDEMPOTENCY_KEY_REUSED'));
  // The same order id with another quantity is another request too.
  expect(await reserve({ ...first, quantity: 2 })).toMatchObject(
    problem(409, 'IDEMPOTENCY_KEY_REUSED'),
  );
  expect(await stockOf(saleId)).toEqual({ available: 9, reserved: 1, released: 0 });
});

it('answers a body that is not a reservation with 400 VALIDATION_FAILED, field by field', async () => {
  const saleId = await stockSale(5);
  const answer = await reserve({ ...order(saleId), quantity: 0, coupon: 'FREE' });
  expect(answer).toMatchObject(problem(400, 'VALIDATION_FAILED'));
  expect(answer.body.errors).toEqual(
    expect.arrayContaining([
      { path: 'quantity', message: expect.any(String) },
      { path: 'coupon', message: 'unknown field' },
    ]),
  );
  expect(await reserve(undefined)).toMatchObject(problem(400, 'VALIDATION_FAILED'));
  const notJson = await app.inject({
    method: 'POST',
    url: SyncRoute.Reserve,
    headers: { 'content-type': 'application/json' },
    payload: '{"orderId":',
  });
  expect(notJson.statusCode).toBe(400);
  expect(notJson.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(await stockOf(saleId)).toEqual({ available: 5, reserved: 0, released: 0 });
});

it('releases once: the units back, a RELEASE log row; a repeat changes nothing', async () => {
  const saleId = await stockSale(10);
  const request = order(saleId, { quantity: 2 });
  await reserve(request);

  for (let n = 0; n < 3; n++) {
    expect(await release(request.orderId)).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: { orderId: request.orderId, status: 'RELEASED' },
    });
  }

  expect(await stockOf(saleId)).toEqual({ available: 10, reserved: 2, released: 2 });
  expect(
    await db.reservation.findUniqueOrThrow({ where: { orderId: request.orderId } }),
  ).toMatchObject({ status: 'RELEASED', reason: 'SYNC_COMPENSATION', quantity: 2 });
  expect(await logOf(request.orderId)).toEqual([
    { saleId, kind: 'RESERVE', delta: -2 },
    { saleId, kind: 'RELEASE', delta: 2 },
  ]);
  // A released order is not reserved again.
  expect(await reserve(request)).toMatchObject(problem(409, 'CONFLICT'));
  expect(await stockOf(saleId)).toEqual({ available: 10, reserved: 2, released: 2 });
});

it('leaves a tombstone for an order released before it was reserved, so its reserve fails', async () => {
  const saleId = await stockSale(5);
  const request = order(saleId);

  expect(await release(request.orderId)).toMatchObject({
    status: 200,
    body: { orderId: request.orderId, status: 'RELEASED' },
  });
  expect(
    await db.reservation.findUniqueOrThrow({ where: { orderId: request.orderId } }),
  ).toMatchObject({ status: 'RELEASED', quantity: 0, reason: 'SYNC_COMPENSATION' });

  const late = await reserve(request);
  expect(late).toMatchObject(problem(409, 'CONFLICT'));
  expect(late.body.detail).toBe(
    `Order ${request.orderId} is already RELEASED (SYNC_COMPENSATION).`,
  );
  expect(await release(request.orderId)).toMatchObject({ status: 200 });
  expect(await stockOf(saleId)).toEqual({ available: 5, reserved: 0, released: 0 });
  // One tombstone decision in the log (no stock moved), nothing for the sale.
  expect(await logOf(request.orderId)).toEqual([{ saleId: '', kind: 'RELEASE', delta: 0 }]);
});

it("names the tombstone's sale and buyer when the release says whose order it is, and ignores a body it cannot read", async () => {
  const saleId = await stockSale(5);
  const named = order(saleId);
  expect(await release(named.orderId, { saleId, userId: named.userId })).toMatchObject({
    status: 200,
  });
  expect(
    await db.reservation.findUniqueOrThrow({ where: { orderId: named.orderId } }),
  ).toMatchObject({ saleId, userId: named.userId, status: 'RELEASED', quantity: 0 });
  expect(await logOf(named.orderId)).toEqual([{ saleId, kind: 'RELEASE', delta: 0 }]);

  // A compensation is never refused for its body: the order id is enough.
  const unnamed = order(saleId);
  expect(await release(unnamed.orderId, { saleId: 42 })).toMatchObject({ status: 200 });
  expect(
    await db.reservation.findUniqueOrThrow({ where: { orderId: unnamed.orderId } }),
  ).toMatchObject({ saleId: '', status: 'RELEASED' });
  expect(await stockOf(saleId)).toEqual({ available: 5, reserved: 0, released: 0 });
});

it('cannot oversell: 40 buyers at once for 10 units reserve exactly 10', async () => {
  const saleId = await stockSale(10);
  const buyers = range(40).map(() => order(saleId));

  const answers = await Promise.all(buyers.map(reserve));

  expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
  expect(answers.filter((a) => a.status === 409 && a.body.code === 'SOLD_OUT')).toHaveLength(30);
  expect(await stockOf(saleId)).toEqual({ available: 0, reserved: 10, released: 0 });
  expect(await db.reservation.count({ where: { saleId, status: 'RESERVED' } })).toBe(10);
  expect(await db.reservation.count({ where: { saleId } })).toBe(10);
  const log = await db.inventoryLog.aggregate({
    where: { saleId },
    _sum: { delta: true },
    _count: true,
  });
  expect(log).toEqual({ _sum: { delta: -10 }, _count: 10 });
});

it('holds the per-user limit under one buyer’s concurrent orders', async () => {
  const saleId = await stockSale(20);
  const buyer = { userId: `user-${randomUUID()}`, perUserLimit: 3 };
  const answers = await Promise.all(range(12).map(() => reserve(order(saleId, buyer))));

  expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
  expect(answers.filter((a) => a.body.code === 'LIMIT_REACHED')).toHaveLength(9);
  expect(await stockOf(saleId)).toEqual({ available: 17, reserved: 3, released: 0 });
});

it('settles a release racing its reserve either way, and holds nothing after it', async () => {
  const saleId = await stockSale(20);
  const orders = range(20).map(() => order(saleId));

  const answers = await Promise.all(
    orders.map(async (o) => {
      const [reserved, released] = await Promise.all([reserve(o), release(o.orderId)]);
      expect(released.status).toBe(200);
      return reserved.status;
    }),
  );

  for (const [n, o] of orders.entries()) {
    const row = await db.reservation.findUniqueOrThrow({ where: { orderId: o.orderId } });
    expect(row.status).toBe('RELEASED');
    // Reserved first then released, or a tombstone first and the reserve refused.
    expect(await logOf(o.orderId)).toEqual(
      answers[n] === 201
        ? [
            { saleId, kind: 'RESERVE', delta: -1 },
            { saleId, kind: 'RELEASE', delta: 1 },
          ]
        : [{ saleId: '', kind: 'RELEASE', delta: 0 }],
    );
    expect(answers[n] === 201 || row.quantity === 0).toBe(true);
  }
  const reserved = answers.filter((status) => status === 201).length;
  expect(answers.every((status) => status === 201 || status === 409)).toBe(true);
  expect(await stockOf(saleId)).toEqual({ available: 20, reserved, released: reserved });
});

it('announced nothing for any call above: no outbox row', async () => {
  // The event-driven saga would act on a sync order's event.
  expect(await db.outboxEvent.count()).toBe(0);
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
