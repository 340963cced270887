import { randomUUID } from 'node:crypto';
import { OrderCreatedV1 } from '@seckill/contracts';
import { saleKeys } from '@seckill/redis';
import { waitFor } from '@seckill/testing';
import { OrderServiceHarness } from '../testing/harness';

/**
 * Purchases through order-service's HTTP API (the Nest app as the service builds it) on the
 * real Redis and Kafka: the admission rules, idempotency, the order read model, and that every
 * admitted order reaches Kafka exactly once.
 */
let shop: OrderServiceHarness;

beforeAll(async () => {
  shop = await OrderServiceHarness.start();
});

afterAll(async () => {
  await shop.close();
});

/** Waits until every admitted order of `saleId` left its outbox stream for Kafka. */
async function handedOff(saleId: string): Promise<void> {
  await waitFor(
    async () => (await shop.redis.xlen(saleKeys(saleId).outbox)) === 0,
    'the outbox stream to be empty',
  );
}

describe('POST /api/sales/:saleId/orders', () => {
  it('admits exactly the stock from 2 000 concurrent attempts of 1 000 users, one event per order', async () => {
    const sale = await shop.createSale({ stock: 100, perUserLimit: 1 });
    const attempts = Array.from({ length: 2000 }, (_, i) => `user-${i % 1000}`);
    const answers = await Promise.all(attempts.map((user) => shop.placeOrder(sale.id, user)));

    const accepted = answers.flatMap((answer, i) =>
      answer.status === 202 ? [{ user: attempts[i]!, orderId: answer.body.orderId as string }] : [],
    );
    expect(accepted).toHaveLength(100);
    expect(new Set(accepted.map((a) => a.user)).size).toBe(100);
    const rejections = new Set(
      answers.filter((a) => a.status !== 202).map((a) => `${a.status} ${String(a.body.code)}`),
    );
    expect(
      [...rejections].filter((r) => r !== '409 SOLD_OUT' && r !== '409 LIMIT_REACHED'),
    ).toEqual([]);

    expect(await shop.redis.get(saleKeys(sale.id).stock)).toBe('0');
    await handedOff(sale.id);
    const events = await shop.orderCreatedEvents(sale.id, 100);
    expect(await shop.messageCount(shop.events.orderCreated.topic)).toBe(100);
    expect(new Set(events.map((e) => e.payload.orderId))).toEqual(
      new Set(accepted.map((a) => a.orderId)),
    );
    for (const event of events) {
      expect(OrderCreatedV1.payload.safeParse(event.payload).success).toBe(true);
      expect(event).toMatchObject({
        type: 'order.created',
        version: 1,
        key: event.payload.orderId,
      });
      expect(event.payload).toMatchObject({ saleId: sale.id, quantity: 1, priceCents: 1999 });
    }

    const remaining = await shop.request({ method: 'GET', url: `/api/sales/${sale.id}` });
    expect(remaining.body).toMatchObject({ remainingStock: 0, status: 'SOLD_OUT' });
  });

  it('answers a replayed Idempotency-Key with the first answer and never buys twice', async () => {
    const sale = await shop.createSale({ stock: 5, perUserLimit: 3 });
    const first = await shop.placeOrder(sale.id, 'replayer', { idempotencyKey: 'click-1' });
    const replays = await Promise.all(
      Array.from({ length: 5 }, () =>
        shop.placeOrder(sale.id, 'replayer', { idempotencyKey: 'click-1' }),
      ),
    );
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      orderId: expect.any(String),
      status: 'PENDING',
      statusUrl: `/api/orders/${String(first.body.orderId)}`,
    });
    for (const replay of replays) {
      expect(replay.status).toBe(202);
      expect(replay.body).toEqual(first.body);
    }
    expect(await shop.redis.get(saleKeys(sale.id).stock)).toBe('4');

    // Another key is another purchase.
    const second = await shop.placeOrder(sale.id, 'replayer', { idempotencyKey: 'click-2' });
    expect(second.status).toBe(202);
    expect(second.body.orderId).not.toBe(first.body.orderId);
    expect(await shop.redis.get(saleKeys(sale.id).stock)).toBe('3');

    await handedOff(sale.id);
    const events = await shop.orderCreatedEvents(sale.id, 2);
    expect(events.map((e) => e.payload.idempotencyKey).sort()).toEqual(['click-1', 'click-2']);
  });

  it('refuses a sale that has not started or has ended with 403 SALE_NOT_OPEN', async () => {
    const now = Date.now();
    const early = await shop.createSale({
      startsAt: new Date(now + 3_600_000).toISOString(),
      endsAt: new Date(now + 7_200_000).toISOString(),
    });
    const over = await shop.createSale({
      startsAt: new Date(now - 7_200_000).toISOString(),
      endsAt: new Date(now - 3_600_000).toISOString(),
    });
    expect(early.status).toBe('SCHEDULED');
    expect(over.status).toBe('ENDED');
    for (const sale of [early, over]) {
      const answer = await shop.placeOrder(sale.id, 'early-bird');
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ code: 'SALE_NOT_OPEN', status: 403 });
    }
    expect(await shop.redis.get(saleKeys(early.id).stock)).toBe('10');
  });

  it('holds the per-user limit: limit 2, the third attempt gets 409 LIMIT_REACHED', async () => {
    const sale = await shop.createSale({ stock: 10, perUserLimit: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await shop.placeOrder(sale.id, 'greedy'));
    expect(statuses.map((s) => s.status)).toEqual([202, 202, 409]);
    expect(statuses[2]!.body).toMatchObject({ code: 'LIMIT_REACHED' });
    const tooMany = await shop.placeOrder(sale.id, 'greedy-2', { quantity: 3 });
    expect(tooMany.body).toMatchObject({ code: 'LIMIT_REACHED' });
    expect(await shop.redis.get(saleKeys(sale.id).stock)).toBe('8');
  });

  it('answers an unknown sale with 404 SALE_NOT_FOUND', async () => {
    for (const saleId of [randomUUID(), 'not-a-sale-id']) {
      const answer = await shop.placeOrder(saleId, 'lost');
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: 'SALE_NOT_FOUND' });
    }
  });

  it('answers client mistakes with 4xx problems, never a 5xx', async () => {
    const sale = await shop.createSale();
    const url = `/api/sales/${sale.id}/orders`;
    const user = shop.token('careless');
    const cases = [
      { token: undefined, body: undefined, status: 401, code: 'UNAUTHORIZED' },
      { token: 'not.a.token', body: undefined, status: 401, code: 'UNAUTHORIZED' },
      { token: user, body: { quantity: 0 }, status: 400, code: 'VALIDATION_FAILED' },
      { token: user, body: { quantity: 'two' }, status: 400, code: 'VALIDATION_FAILED' },
      {
        token: user,
        body: { quantity: 1, userId: 'someone-else' },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
    ];
    for (const { token, body, status, code } of cases) {
      const answer = await shop.request<Record<string, unknown>>({
        method: 'POST',
        url,
        token,
        body,
      });
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
    }
    const unknownField = await shop.request<{ errors: unknown }>({
      method: 'POST',
      url,
      token: user,
      body: { quantity: 1, userId: 'someone-else' },
    });
    expect(unknownField.body.errors).toEqual([{ path: 'userId', message: 'unknown field' }]);
    const badKey = await shop.request<{ errors: unknown }>({
      method: 'POST',
      url,
      token: user,
      headers: { 'idempotency-key': 'has spaces' },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors).toEqual([{ path: 'idempotency-key', message: expect.any(String) }]);
    const malformed = await shop.request({
      method: 'POST',
      url,
      token: user,
      headers: { 'content-type': 'application/json' },
      body: '{"quantity":',
    });
    expect(malformed.status).toBe(400);
    expect(await shop.redis.get(saleKeys(sale.id).stock)).toBe('10');
  });
});

describe('GET /api/orders/:orderId', () => {
  it('shows an order to its owner only, as PENDING with its history', async () => {
    const sale = await shop.createSale();
    const placed = await shop.placeOrder(sale.id, 'owner', { quantity: 1 });
    const url = String(placed.body.statusUrl);

    const mine = await shop.request({ method: 'GET', url, token: shop.token('owner') });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({
      orderId: placed.body.orderId,
      saleId: sale.id,
      quantity: 1,
      status: 'PENDING',
      history: [{ status: 'PENDING', at: expect.any(String) }],
    });

    const theirs = await shop.request({ method: 'GET', url, token: shop.token('someone-else') });
    const unknown = await shop.request({
      method: 'GET',
      url: `/api/orders/${randomUUID()}`,
      token: shop.token('owner'),
    });
    for (const answer of [theirs, unknown]) {
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: 'ORDER_NOT_FOUND' });
    }
    expect((await shop.request({ method: 'GET', url })).status).toBe(401);
  });
});

describe('deadlines', () => {
  it('never admits a request whose deadline has passed: 503 DEADLINE_EXCEEDED, nothing changed', async () => {
    const sale = await shop.createSale({ stock: 3, perUserLimit: 3 });
    const keys = saleKeys(sale.id);
    const late = await shop.placeOrder(sale.id, 'late', {
      idempotencyKey: 'late-1',
      deadline: Date.now() - 1,
    });
    expect(late.status).toBe(503);
    expect(late.headers['content-type']).toContain('application/problem+json');
    expect(late.headers['retry-after']).toBe('1');
    expect(late.body).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(await shop.redis.get(keys.stock)).toBe('3');
    expect(await shop.redis.xlen(keys.outbox)).toBe(0);
    expect(await shop.redis.hlen(keys.buyers)).toBe(0);
    expect(await shop.redis.exists(keys.idempotency('late', 'late-1'))).toBe(0);

    // The same key within its deadline is a purchase like any other, and a late replay of it
    // is answered (it is not a new admission).
    const inTime = await shop.placeOrder(sale.id, 'late', {
      idempotencyKey: 'late-1',
      deadline: Date.now() + 60_000,
    });
    expect(inTime.status).toBe(202);
    const replay = await shop.placeOrder(sale.id, 'late', {
      idempotencyKey: 'late-1',
      deadline: Date.now() - 1,
    });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(inTime.body);
    expect(await shop.redis.get(keys.stock)).toBe('2');
  });

  it('refuses a deadline that is not a time with a 400', async () => {
    const sale = await shop.createSale();
    const answer = await shop.request<{ errors: unknown }>({
      method: 'POST',
      url: `/api/sales/${sale.id}/orders`,
      token: shop.token('confused'),
      headers: { 'x-seckill-deadline': 'tomorrow' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      { path: 'x-seckill-deadline', message: 'must be a time in epoch milliseconds' },
    ]);
  });
});

describe('GET /api/users/me/orders', () => {
  it("lists the caller's orders newest first, including those not consumed yet, and no one else's", async () => {
    const sale = await shop.createSale({ stock: 10, perUserLimit: 3 });
    const other = await shop.createSale({ stock: 10, perUserLimit: 3 });
    const first = await shop.placeOrder(sale.id, 'lister', { idempotencyKey: 'l-1' });
    const second = await shop.placeOrder(sale.id, 'lister');
    await shop.placeOrder(other.id, 'lister');
    await shop.placeOrder(sale.id, 'someone-else');
    expect([first.status, second.status]).toEqual([202, 202]);

    // This harness runs no read-model consumer: the orders exist only in Redis so far.
    const mine = await shop.request<{ items: Array<Record<string, unknown>> }>({
      method: 'GET',
      url: `/api/users/me/orders?saleId=${sale.id}`,
      token: shop.token('lister'),
    });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([
      expect.objectContaining({ orderId: second.body.orderId, saleId: sale.id, status: 'PENDING' }),
      expect.objectContaining({ orderId: first.body.orderId, quantity: 1, status: 'PENDING' }),
    ]);
    const nobody = await shop.request<{ items: unknown[] }>({
      method: 'GET',
      url: `/api/users/me/orders?saleId=${sale.id}`,
      token: shop.token('no-orders'),
    });
    expect(nobody.body.items).toEqual([]);
    const unauthenticated = await shop.request({ method: 'GET', url: '/api/users/me/orders' });
    expect(unauthenticated.status).toBe(401);
    const bad = await shop.request({
      method: 'GET',
      url: '/api/users/me/orders?saleId=a%2Fb',
      token: shop.token('lister'),
    });
    expect(bad.status).toBe(400);
  });
});
