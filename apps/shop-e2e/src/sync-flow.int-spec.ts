import { randomUUID } from 'node:crypto';
import { testEndpoints, waitFor } from '@seckill/testing';
import { migrateAll, type ServiceName, provisionAllTopics, localTarget, verify } from './infra';
import { type GatewayAnswer, ShopUnderTest } from './shop-under-test';

/**
 * The synchronous baseline (ADR 0012) end to end: the six compiled services as real processes,
 * a sale created with `flow: "sync"`, bought only through the gateway, with every service's
 * database read directly. Ports are offset by 300 (the saga test uses 200, a local shop 0).
 *
 * What it proves: a concurrent crowd on a sync sale buys exactly its stock (the row lock in
 * PostgreSQL, not Redis, decides), each winner hears 201 only once the order is shipped, a
 * replayed key buys nothing twice, and the verifier is green on the sale; a buyer over the limit
 * is refused; and the seed's point: with payment-service down the sync sale cannot sell (503,
 * nothing kept, the reservation undone) while an event-driven sale still answers 202 and ships
 * once payment-service is back. A declined payment undoes the reservation and says so (402).
 */
const log = (line: string) => process.stdout.write(`[sync-flow] ${line}\n`);
const shop = new ShopUnderTest(testEndpoints(), 300, (name): Record<string, string> => {
  if (name === 'gateway') {
    // Generous: a sync purchase waits for three services, on a loaded 2-core CI machine.
    return {
      PURCHASE_DEADLINE_MS: '10000',
      PURCHASE_ANSWER_GRACE_MS: '10000',
      UPSTREAM_TIMEOUT_MS: '20000',
      SHED_EVENT_LOOP_LAG_MS: '5000',
    };
  }
  if (name === 'payment-service') {
    return { PAYMENT_FAILURE_RATE: '0', PAYMENT_TIMEOUT_RATE: '0', PAYMENT_LATENCY_MS: '5' };
  }
  return {};
});
const rows = <T>(name: ServiceName, sql: string, params: unknown[] = []) =>
  shop.rows<T>(name, sql, params);
const call = (path: string, options: { token?: string; json?: unknown; key?: string } = {}) =>
  shop.call(path, { ...options, timeoutMs: 30_000 });
const token = (userId: string, role: 'user' | 'admin' = 'user') => shop.token(userId, role);

async function createSale(stock: number, flow: 'sync' | 'events', perUserLimit = 1) {
  const now = Date.now();
  const { status, body } = await call('/api/admin/sales', {
    token: token('sync-admin', 'admin'),
    json: {
      name: `sync-flow ${randomUUID().slice(0, 8)}`,
      price: 1500,
      stock,
      perUserLimit,
      flow,
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
    },
  });
  expect({ status, flow: body.flow }).toEqual({ status: 201, flow });
  const saleId = String(body.id);
  // Sellable once inventory has the stock row (sale.published travels over Kafka in both flows).
  await waitFor(
    async () =>
      (await rows('inventory-service', 'SELECT 1 FROM sale_stock WHERE sale_id = $1', [saleId]))
        .length === 1,
    'the sale to be stocked in inventory',
  );
  return saleId;
}

const buy = (saleId: string, userId: string, key = `k-${randomUUID()}`) =>
  call(`/api/sales/${saleId}/orders`, { token: token(userId), json: { quantity: 1 }, key });

async function effects(saleId: string) {
  const count = async (service: ServiceName, sql: string) =>
    (await rows<{ status: string; n: string }>(service, sql, [saleId]))
      .map((r) => `${r.status} ${r.n}`)
      .sort();
  return {
    orders: await count(
      'order-service',
      'SELECT status, count(*) AS n FROM orders WHERE sale_id = $1 GROUP BY status',
    ),
    reservations: await count(
      'inventory-service',
      'SELECT status, count(*) AS n FROM reservations WHERE sale_id = $1 GROUP BY status',
    ),
    payments: await count(
      'payment-service',
      'SELECT status, count(*) AS n FROM payments WHERE sale_id = $1 GROUP BY status',
    ),
    shipments: await count(
      'logistics-service',
      'SELECT status, count(*) AS n FROM shipments WHERE sale_id = $1 GROUP BY status',
    ),
    stock: (
      await rows<{ available: number; reserved: number; released: number }>(
        'inventory-service',
        'SELECT available, reserved, released FROM sale_stock WHERE sale_id = $1',
        [saleId],
      )
    )[0],
  };
}

beforeAll(async () => {
  await migrateAll(shop.endpoints, log);
  await provisionAllTopics(shop.endpoints.kafkaBrokers, log);
  await shop.startAll();
}, 240_000);

afterAll(() => shop.close());

it('sells exactly its stock to a concurrent crowd: 201 once shipped or 409, a replay buys nothing twice, and the verifier is green', async () => {
  const STOCK = 10;
  const saleId = await createSale(STOCK, 'sync');
  const buyers = Array.from({ length: 40 }, (_, i) => ({
    userId: `sync-crowd-${saleId.slice(0, 8)}-${i}`,
    key: `crowd-${i}`,
  }));
  const answers = await Promise.all(buyers.map((b) => buy(saleId, b.userId, b.key)));

  const shipped = answers.filter((a) => a.status === 201);
  const tally = answers.reduce<Record<string, number>>((acc, a) => {
    const what = a.status === 201 ? '201 SHIPPED' : `${a.status} ${String(a.body.code)}`;
    acc[what] = (acc[what] ?? 0) + 1;
    return acc;
  }, {});
  expect(tally).toEqual({ '201 SHIPPED': STOCK, '409 SOLD_OUT': 30 });
  for (const answer of shipped) {
    expect(answer.body).toMatchObject({ status: 'SHIPPED', trackingNumber: expect.any(String) });
  }
  // A buyer refused SOLD_OUT at the gateway's door (it learns a sale sold out from the first
  // such answer) never reached order-service; the others have a FAILED order, nothing kept.
  const { orders, ...kept } = await effects(saleId);
  expect(orders).toContain(`SHIPPED ${STOCK}`);
  expect(orders.filter((o) => !o.startsWith('SHIPPED ') && !o.startsWith('FAILED '))).toEqual([]);
  expect(kept).toEqual({
    reservations: [`RESERVED ${STOCK}`],
    payments: [`CAPTURED ${STOCK}`],
    shipments: [`CREATED ${STOCK}`],
    stock: { available: 0, reserved: STOCK, released: 0 },
  });
  const sale = await call(`/api/sales/${saleId}`);
  expect(sale.body).toMatchObject({ flow: 'sync', remainingStock: 0, status: 'SOLD_OUT' });

  // A winner's retry (the same key) gets the same order back and buys nothing more.
  const winner = buyers[answers.indexOf(shipped[0] as GatewayAnswer)] as (typeof buyers)[number];
  const replay = await buy(saleId, winner.userId, winner.key);
  expect(replay.status).toBe(201);
  expect(replay.body).toEqual(shipped[0]?.body);
  expect((await effects(saleId)).payments).toEqual([`CAPTURED ${STOCK}`]);

  const report = await verify(localTarget(), { saleId, timeoutMs: 60_000 }, log);
  const failures = report.results.filter((r) => r.verdict === 'FAIL');
  expect(failures).toEqual([]);
  expect(report.ok).toBe(true);
}, 120_000);

it('refuses a buyer over the limit, with nothing taken', async () => {
  const saleId = await createSale(5, 'sync');
  const userId = `sync-limit-${saleId.slice(0, 8)}`;
  expect((await buy(saleId, userId)).status).toBe(201);
  const again = await buy(saleId, userId);
  expect({ status: again.status, code: again.body.code }).toEqual({
    status: 409,
    code: 'LIMIT_REACHED',
  });
  expect((await effects(saleId)).stock).toEqual({ available: 4, reserved: 1, released: 0 });
}, 60_000);

it('with payment-service down the sync sale cannot sell (503, reservation undone) while an event-driven sale still answers 202 and ships later', async () => {
  const syncSale = await createSale(5, 'sync');
  const eventSale = await createSale(5, 'events');
  await shop.stop('payment-service');
  try {
    const failed = await buy(syncSale, `sync-down-${syncSale.slice(0, 8)}`);
    expect({ status: failed.status, code: failed.body.code }).toEqual({
      status: 503,
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(await effects(syncSale)).toEqual({
      orders: ['FAILED 1'],
      reservations: ['RELEASED 1'],
      payments: [],
      shipments: [],
      stock: { available: 5, reserved: 1, released: 1 },
    });
    const accepted = await buy(eventSale, `events-down-${eventSale.slice(0, 8)}`);
    expect(accepted.status).toBe(202);
  } finally {
    await shop.start('payment-service');
  }
  await waitFor(
    async () => (await effects(eventSale)).shipments.join() === 'CREATED 1',
    'the event-driven order to ship once payment-service is back',
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}, 180_000);

it('a declined payment undoes the reservation and is answered 402 PAYMENT_DECLINED', async () => {
  const saleId = await createSale(3, 'sync');
  await shop.stop('payment-service');
  await shop.start('payment-service', { PAYMENT_FAILURE_RATE: '1' });
  try {
    const declined = await buy(saleId, `sync-declined-${saleId.slice(0, 8)}`);
    expect({ status: declined.status, code: declined.body.code }).toEqual({
      status: 402,
      code: 'PAYMENT_DECLINED',
    });
    expect(await effects(saleId)).toEqual({
      orders: ['FAILED 1'],
      reservations: ['RELEASED 1'],
      payments: ['DECLINED 1'],
      shipments: [],
      stock: { available: 3, reserved: 1, released: 1 },
    });
  } finally {
    await shop.stop('payment-service');
    await shop.start('payment-service');
  }
}, 180_000);
