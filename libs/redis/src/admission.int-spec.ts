import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createEvent, OrderCreatedV1 } from '@seckill/contracts';
import { toRecord } from '@seckill/kafka';
import { testEndpoints, waitFor } from '@seckill/testing';
import {
  type AdmissionRequest,
  AdmissionScript,
  loadSaleStock,
  type SaleStockSnapshot,
} from './admission';
import { fromStreamEntry } from './outbox-stream-entry';
import { orderIndexKey, OUTBOX_STREAMS_KEY, saleKeys } from './sale-keys';
import { STOCK_CHANNEL } from './stock-channel';

/**
 * The admission script on the real Redis: every decision, the atomicity under concurrency, and
 * what an accepted order leaves behind. Each test works on sales of its own (random ids).
 */
const redis = new Redis(testEndpoints().redisUrl);
const script = new AdmissionScript(redis);
const sales: string[] = [];

afterAll(async () => {
  for (const saleId of sales) {
    const keys = saleKeys(saleId);
    const orders = await redis.hkeys(keys.orders);
    const idempotency = await redis.keys(`{sale:${saleId}}:idem:*`);
    const userOrders = await redis.keys(`{sale:${saleId}}:user-orders:*`);
    await redis.srem(OUTBOX_STREAMS_KEY, keys.outbox);
    await redis.del(
      ...[keys.meta, keys.stock, keys.buyers, keys.orders, keys.outbox],
      ...idempotency,
      ...userOrders,
      ...orders.map(orderIndexKey),
    );
  }
  redis.disconnect();
});

async function sale(overrides: Partial<SaleStockSnapshot> = {}): Promise<string> {
  const saleId = randomUUID();
  sales.push(saleId);
  const now = Date.now();
  await loadSaleStock(redis, {
    saleId,
    startsAtMs: now - 60_000,
    endsAtMs: now + 3_600_000,
    perUserLimit: 1,
    priceCents: 500,
    stock: 10,
    ...overrides,
  });
  return saleId;
}

function request(
  saleId: string,
  userId: string,
  options: { quantity?: number; key?: string; deadline?: number } = {},
): AdmissionRequest {
  const orderId = randomUUID();
  return {
    saleId,
    userId,
    quantity: options.quantity ?? 1,
    orderId,
    idempotencyKey: options.key ?? null,
    orderSummary: JSON.stringify({ orderId, userId }),
    answer: JSON.stringify({ orderId }),
    record: {
      topic: 'order.created',
      key: orderId,
      value: JSON.stringify({ orderId, userId }),
      headers: { 'event-id': orderId },
    },
    deadline: options.deadline ?? null,
  };
}

describe('the admission script', () => {
  it('admits exactly the stock under 2 000 concurrent attempts of 1 000 users, each user once', async () => {
    const saleId = await sale({ stock: 100, perUserLimit: 1 });
    const subscriber = new Redis(testEndpoints().redisUrl);
    const signals: string[] = [];
    await subscriber.subscribe(STOCK_CHANNEL);
    subscriber.on('message', (_channel, message: string) => {
      if (message.includes(saleId)) signals.push(message);
    });

    const attempts = Array.from({ length: 2000 }, (_, i) => request(saleId, `user-${i % 1000}`));
    const results = await Promise.all(attempts.map((a) => script.admit(a)));

    const accepted = attempts.filter((_, i) => results[i]!.outcome === 'ACCEPTED');
    expect(accepted).toHaveLength(100);
    expect(new Set(accepted.map((a) => a.userId)).size).toBe(100);
    const others = new Set(results.map((r) => r.outcome).filter((o) => o !== 'ACCEPTED'));
    expect([...others].every((o) => o === 'SOLD_OUT' || o === 'LIMIT_REACHED')).toBe(true);

    const keys = saleKeys(saleId);
    expect(await redis.get(keys.stock)).toBe('0');
    const buyers = await redis.hgetall(keys.buyers);
    expect(Object.keys(buyers).sort()).toEqual(accepted.map((a) => a.userId).sort());
    expect(Object.values(buyers).every((units) => units === '1')).toBe(true);
    const entries = await redis.xrange(keys.outbox, '-', '+');
    expect(entries).toHaveLength(100);
    const keysInStream = entries.map(([, fields]) => fields[fields.indexOf('key') + 1]);
    expect(new Set(keysInStream)).toEqual(new Set(accepted.map((a) => a.orderId)));
    expect(await redis.hlen(keys.orders)).toBe(100);
    expect(await redis.get(orderIndexKey(accepted[0]!.orderId))).toBe(saleId);

    // Sold out: announced once, when the last unit went.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(signals).toEqual([JSON.stringify({ saleId, soldOut: true })]);
    subscriber.disconnect();
  });

  it("appends the request's record to the sale's outbox stream, read back as it was", async () => {
    const saleId = await sale();
    const base = request(saleId, 'u-1');
    const event = createEvent(OrderCreatedV1, {
      orderId: base.orderId,
      saleId,
      userId: 'u-1',
      quantity: 1,
      idempotencyKey: base.orderId,
      priceCents: 500,
      acceptedAt: new Date().toISOString(),
    });
    const record = toRecord(OrderCreatedV1, event);
    expect(await script.admit({ ...base, record })).toMatchObject({ outcome: 'ACCEPTED' });

    const entries = await redis.xrange(saleKeys(saleId).outbox, '-', '+');
    expect(entries.map(([, fields]) => fromStreamEntry(fields))).toEqual([record]);
  });

  it('answers a replayed idempotency key with the first answer and takes stock once', async () => {
    const saleId = await sale({ stock: 1, perUserLimit: 1 });
    const first = request(saleId, 'u-1', { key: 'k-1' });
    const again = Array.from({ length: 10 }, () => request(saleId, 'u-1', { key: 'k-1' }));
    const results = await Promise.all([first, ...again].map((r) => script.admit(r)));

    expect(results[0]).toMatchObject({ outcome: 'ACCEPTED', remainingStock: 0 });
    // Even though the sale is sold out and u-1 is at the limit now: the first answer.
    for (const result of results.slice(1)) {
      expect(result).toEqual({ outcome: 'REPLAYED', answer: first.answer });
    }
    expect(await redis.get(saleKeys(saleId).stock)).toBe('0');
    expect(await redis.xlen(saleKeys(saleId).outbox)).toBe(1);
    // The key is per user: another user's identical key is a new purchase (here: sold out).
    expect(await script.admit(request(saleId, 'u-2', { key: 'k-1' }))).toMatchObject({
      outcome: 'SOLD_OUT',
    });
    expect(await redis.ttl(saleKeys(saleId).idempotency('u-1', 'k-1'))).toBeGreaterThan(86_000);
  });

  it('admits nothing once the deadline has passed, by Redis time, but still answers a replay', async () => {
    const saleId = await sale({ stock: 5, perUserLimit: 5 });
    const keys = saleKeys(saleId);
    const [seconds] = await redis.time();
    const redisNow = Number(seconds) * 1000;
    const first = request(saleId, 'u-1', { key: 'k-1', deadline: redisNow + 60_000 });
    expect(await script.admit(first)).toMatchObject({ outcome: 'ACCEPTED', remainingStock: 4 });

    const late = request(saleId, 'u-1', { key: 'k-2', deadline: redisNow - 1 });
    expect(await script.admit(late)).toEqual({ outcome: 'DEADLINE_EXCEEDED' });
    expect(await redis.get(keys.stock)).toBe('4');
    expect(await redis.xlen(keys.outbox)).toBe(1);
    expect(await redis.hget(keys.buyers, 'u-1')).toBe('1');
    expect(await redis.exists(keys.idempotency('u-1', 'k-2'), orderIndexKey(late.orderId))).toBe(0);
    expect(await redis.lrange(keys.userOrders('u-1'), 0, -1)).toEqual([first.orderId]);

    // A late retry of a purchase that was admitted gets its answer: it is not a new admission.
    const lateReplay = request(saleId, 'u-1', { key: 'k-1', deadline: redisNow - 1 });
    expect(await script.admit(lateReplay)).toEqual({ outcome: 'REPLAYED', answer: first.answer });
  });

  it("lists each buyer's admitted orders of the sale in order", async () => {
    const saleId = await sale({ stock: 5, perUserLimit: 3 });
    const mine = [request(saleId, 'u-1'), request(saleId, 'u-1')];
    for (const r of [...mine, request(saleId, 'u-2')]) await script.admit(r);
    await script.admit(request(saleId, 'u-1', { quantity: 5 })); // refused: not listed
    expect(await redis.lrange(saleKeys(saleId).userOrders('u-1'), 0, -1)).toEqual(
      mine.map((r) => r.orderId),
    );
  });

  it('keeps user ids and keys that contain ":" apart', async () => {
    const saleId = await sale({ stock: 5, perUserLimit: 1 });
    const a = await script.admit(request(saleId, 'a', { key: 'b:c' }));
    const b = await script.admit(request(saleId, 'a:b', { key: 'c' }));
    expect([a.outcome, b.outcome]).toEqual(['ACCEPTED', 'ACCEPTED']);
  });

  it('refuses before and after the window, by Redis time', async () => {
    const now = Date.now();
    const early = await sale({ startsAtMs: now + 60_000, endsAtMs: now + 120_000 });
    const late = await sale({ startsAtMs: now - 120_000, endsAtMs: now - 60_000 });
    expect(await script.admit(request(early, 'u-1'))).toEqual({
      outcome: 'NOT_OPEN',
      reason: 'NOT_STARTED',
    });
    expect(await script.admit(request(late, 'u-1'))).toEqual({
      outcome: 'NOT_OPEN',
      reason: 'ENDED',
    });
    expect(await redis.get(saleKeys(early).stock)).toBe('10');
  });

  it('holds the per-user limit across quantities', async () => {
    const saleId = await sale({ stock: 10, perUserLimit: 2 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await script.admit(request(saleId, 'u-1')));
    expect(results.map((r) => r.outcome)).toEqual(['ACCEPTED', 'ACCEPTED', 'LIMIT_REACHED']);
    expect(results[2]).toEqual({ outcome: 'LIMIT_REACHED', bought: 2, limit: 2 });
    expect(await script.admit(request(saleId, 'u-2', { quantity: 3 }))).toMatchObject({
      outcome: 'LIMIT_REACHED',
    });
    expect(await redis.get(saleKeys(saleId).stock)).toBe('8');
  });

  it('refuses more than what is left without taking any, and without calling it sold out', async () => {
    const saleId = await sale({ stock: 2, perUserLimit: 5 });
    const subscriber = redis.duplicate();
    const signals: string[] = [];
    await subscriber.subscribe(STOCK_CHANNEL);
    subscriber.on('message', (_channel, message) => signals.push(message));
    try {
      expect(await script.admit(request(saleId, 'u-1', { quantity: 3 }))).toEqual({
        outcome: 'INSUFFICIENT_STOCK',
        remainingStock: 2,
      });
      expect(await redis.get(saleKeys(saleId).stock)).toBe('2');
      // The two units are still for sale: a smaller order takes them, and only then does the
      // sale announce that it is sold out.
      expect(await script.admit(request(saleId, 'u-1', { quantity: 2 }))).toMatchObject({
        outcome: 'ACCEPTED',
        remainingStock: 0,
      });
      expect(await script.admit(request(saleId, 'u-2', { quantity: 1 }))).toEqual({
        outcome: 'SOLD_OUT',
      });
      await waitFor(() => signals.length > 0, 'the sold-out signal');
      expect(signals.map((m) => JSON.parse(m) as unknown)).toEqual([{ saleId, soldOut: true }]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('knows no sale that was never loaded', async () => {
    expect(await script.admit(request(randomUUID(), 'u-1'))).toEqual({ outcome: 'NOT_FOUND' });
  });

  it('loads a sale once: a reload keeps the stock that is selling', async () => {
    const saleId = await sale({ stock: 3 });
    await script.admit(request(saleId, 'u-1'));
    const now = Date.now();
    const reloaded = await loadSaleStock(redis, {
      saleId,
      startsAtMs: now - 60_000,
      endsAtMs: now + 3_600_000,
      perUserLimit: 1,
      priceCents: 500,
      stock: 3,
    });
    expect(reloaded).toBe(false);
    expect(await redis.get(saleKeys(saleId).stock)).toBe('2');
    expect(await redis.sismember(OUTBOX_STREAMS_KEY, saleKeys(saleId).outbox)).toBe(1);
    expect(await redis.hgetall(saleKeys(saleId).meta)).toEqual({
      startsAt: String(now - 60_000),
      endsAt: String(now + 3_600_000),
      perUserLimit: '1',
      priceCents: '500',
    });
  });
});
