import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { eventRegistry, saleResponse, type SaleResponse } from '@seckill/contracts';
import { saleKeys, STOCK_CHANNEL } from '@seckill/redis';
import { readMessages, testEndpoints, waitFor } from '@seckill/testing';
import { OutboxRelays } from '../outbox/outbox-relays';
import { OrderServiceHarness } from '../testing/harness';
import { SaleStockLoader } from './sale-stock.loader';

/**
 * Sales through order-service's HTTP API on the real PostgreSQL, Redis and Kafka: stored with
 * their outbox row, published by the relay, loaded into Redis (and again after a Redis reset).
 */
let shop: OrderServiceHarness;

beforeAll(async () => {
  shop = await OrderServiceHarness.start({ env: { OUTBOX_RELAY_INTERVAL_MS: '200' } });
});

afterAll(async () => {
  await shop.close();
});

const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

describe('POST /api/admin/sales', () => {
  it('stores the sale with its outbox row, loads Redis, announces the stock and publishes sale.published', async () => {
    const subscriber = new Redis(testEndpoints().redisUrl);
    const signals: string[] = [];
    await subscriber.subscribe(STOCK_CHANNEL);
    subscriber.on('message', (_channel, message: string) => signals.push(message));

    const startsAt = new Date(Date.now() - 1000).toISOString();
    const answer = await shop.request<SaleResponse>({
      method: 'POST',
      url: '/api/admin/sales',
      token: shop.token('admin-1', 'admin'),
      body: { name: '  Phone X  ', price: 49_900, stock: 25, startsAt, endsAt: inHours(1) },
    });
    expect(answer.status).toBe(201);
    const sale = saleResponse.parse(answer.body);
    expect(sale).toMatchObject({
      name: 'Phone X',
      price: 49_900,
      stock: 25,
      remainingStock: 25,
      perUserLimit: 1,
      status: 'OPEN',
    });

    const db = shop.openDatabase();
    try {
      expect(await db.sale.findUnique({ where: { id: sale.id } })).toMatchObject({
        priceCents: 49_900,
        stock: 25,
        startsAt: new Date(startsAt),
      });
      const [outbox] = await db.outboxEvent.findMany({ where: { key: sale.id } });
      expect(outbox).toMatchObject({ type: 'sale.published', version: 1 });
      await waitFor(
        async () =>
          (await db.outboxEvent.findUnique({ where: { id: outbox!.id } }))?.publishedAt != null,
        'the relay to mark the outbox row published',
      );

      const [message] = await readMessages(shop.kafka, shop.events.salePublished.topic, 1);
      const decoded = eventRegistry.decode(message!.value);
      expect(decoded).toEqual({
        ok: true,
        event: {
          eventId: outbox!.eventId,
          type: 'sale.published',
          version: 1,
          occurredAt: outbox!.createdAt.toISOString(),
          key: sale.id,
          payload: {
            saleId: sale.id,
            name: 'Phone X',
            priceCents: 49_900,
            stock: 25,
            startsAt: sale.startsAt,
            endsAt: sale.endsAt,
            perUserLimit: 1,
          },
        },
      });
      expect(message!.key?.toString()).toBe(sale.id);
    } finally {
      await db.$disconnect();
    }

    const keys = saleKeys(sale.id);
    expect(await shop.redis.get(keys.stock)).toBe('25');
    expect(await shop.redis.hgetall(keys.meta)).toEqual({
      startsAt: String(Date.parse(sale.startsAt)),
      endsAt: String(Date.parse(sale.endsAt)),
      perUserLimit: '1',
      priceCents: '49900',
    });
    await waitFor(() => signals.length > 0, 'the stock signal');
    expect(signals).toContain(JSON.stringify({ saleId: sale.id, soldOut: false }));
    subscriber.disconnect();
  });

  it('keeps sale.published in the outbox until a relay runs again (a restart)', async () => {
    const relay = shop.app.get(OutboxRelays).sales;
    await relay.stop();
    const sale = await shop.createSale();
    const db = shop.openDatabase();
    try {
      const unpublished = () =>
        db.outboxEvent.count({ where: { key: sale.id, publishedAt: null } });
      expect(await unpublished()).toBe(1);
      relay.start();
      await waitFor(
        async () => (await unpublished()) === 0,
        'the relay to publish after a restart',
      );
    } finally {
      await db.$disconnect();
    }
  });

  it('creates one sale per Idempotency-Key, even for requests racing each other', async () => {
    const body = { name: 'Lamp', price: 1_000, stock: 3, startsAt: inHours(1), endsAt: inHours(2) };
    const key = `sale-${randomUUID()}`;
    const post = (token: string, sale: object = body) =>
      shop.request<SaleResponse & { code?: string }>({
        method: 'POST',
        url: '/api/admin/sales',
        token,
        headers: { 'idempotency-key': key },
        body: sale,
      });
    const admin = shop.token('admin-idem', 'admin');
    const answers = await Promise.all([post(admin), post(admin), post(admin)]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];

    const db = shop.openDatabase();
    try {
      expect(await db.sale.count({ where: { idempotencyKey: key } })).toBe(1);
      expect(await db.outboxEvent.count({ where: { key: id } })).toBe(1);
    } finally {
      await db.$disconnect();
    }
    // The same key for a different sale is the client's mistake, said plainly.
    const reused = await post(admin, { ...body, stock: 4 });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Keys are per admin: another admin's identical key is another sale.
    const other = await post(shop.token('admin-other', 'admin'));
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(id);
    // A malformed key is refused before anything is stored.
    const bad = await shop.request<{ code: string }>({
      method: 'POST',
      url: '/api/admin/sales',
      token: admin,
      headers: { 'idempotency-key': 'has spaces' },
      body,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers missing tokens 401, non-admins 403, invalid sales 400 with every wrong field', async () => {
    const body = { name: 'X', price: 1, stock: 1, startsAt: inHours(1), endsAt: inHours(2) };
    const url = '/api/admin/sales';
    expect((await shop.request({ method: 'POST', url, body })).status).toBe(401);
    const user = await shop.request({ method: 'POST', url, body, token: shop.token('u-1') });
    expect(user.status).toBe(403);
    expect(user.body).toMatchObject({ code: 'FORBIDDEN' });

    const invalid = await shop.request<{ code: string; errors: { path: string }[] }>({
      method: 'POST',
      url,
      token: shop.token('admin-1', 'admin'),
      body: { ...body, price: -1, stock: 0, perUserLimit: 1000, colour: 'red' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    expect(invalid.body.errors.map((e) => e.path).sort()).toEqual(
      ['colour', 'perUserLimit', 'price', 'stock'].sort(),
    );
    const backwards = await shop.request<{ errors: { path: string }[] }>({
      method: 'POST',
      url,
      token: shop.token('admin-1', 'admin'),
      body: { ...body, startsAt: inHours(1), endsAt: inHours(0) },
    });
    expect(backwards.body.errors).toEqual([{ path: 'endsAt', message: 'must be after startsAt' }]);
  });
});

describe('GET /api/sales/:saleId', () => {
  it('is public: the sale with the stock left in Redis', async () => {
    const sale = await shop.createSale({ stock: 3, perUserLimit: 3 });
    await shop.placeOrder(sale.id, 'buyer', { quantity: 2 });
    const answer = await shop.request({ method: 'GET', url: `/api/sales/${sale.id}` });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ...sale, remainingStock: 1 });
  });

  it('answers an unknown sale with 404 SALE_NOT_FOUND', async () => {
    for (const id of [randomUUID(), 'nope']) {
      const answer = await shop.request({ method: 'GET', url: `/api/sales/${id}` });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: 'SALE_NOT_FOUND' });
    }
  });
});

describe('loading sales into Redis on start', () => {
  it('reloads every sale that has not ended and is missing from Redis, and no other', async () => {
    const now = Date.now();
    const live = await shop.createSale({ stock: 7 });
    const selling = await shop.createSale({ stock: 7, perUserLimit: 2 });
    const ended = await shop.createSale({
      startsAt: new Date(now - 7_200_000).toISOString(),
      endsAt: new Date(now - 3_600_000).toISOString(),
    });
    await shop.placeOrder(selling.id, 'early', { quantity: 2 });
    // Redis lost two sales (a reset, or a crash between the commit and the load).
    for (const sale of [live, ended]) {
      const keys = saleKeys(sale.id);
      await shop.redis.del(keys.meta, keys.stock);
    }

    await shop.app.get(SaleStockLoader).loadLiveSales();

    expect(await shop.redis.get(saleKeys(live.id).stock)).toBe('7');
    expect(await shop.redis.hget(saleKeys(live.id).meta, 'priceCents')).toBe('1999');
    expect(await shop.redis.get(saleKeys(selling.id).stock)).toBe('5');
    expect(await shop.redis.exists(saleKeys(ended.id).stock)).toBe(0);
  });
});
