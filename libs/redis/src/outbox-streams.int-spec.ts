import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { testEndpoints } from '@seckill/testing';
import { loadSaleStock } from './admission';
import { retireOutboxStream, saleMetaKeyOfStream } from './outbox-streams';
import { OUTBOX_STREAMS_KEY, saleKeys } from './sale-keys';

/**
 * Retiring outbox streams on the real Redis: only an ended sale's empty stream leaves the relay's
 * set; an open sale's, or one that still holds entries, stays.
 */
const redis = new Redis(testEndpoints().redisUrl);
const sales: string[] = [];

afterAll(async () => {
  for (const saleId of sales) {
    const keys = saleKeys(saleId);
    await redis.srem(OUTBOX_STREAMS_KEY, keys.outbox);
    await redis.del(keys.meta, keys.stock, keys.outbox);
  }
  redis.disconnect();
});

async function sale(endsInMs: number): Promise<string> {
  const saleId = randomUUID();
  sales.push(saleId);
  const now = Date.now();
  await loadSaleStock(redis, {
    saleId,
    startsAtMs: now - 3_600_000,
    endsAtMs: now + endsInMs,
    perUserLimit: 1,
    priceCents: 500,
    stock: 5,
  });
  return saleId;
}

const registered = async (saleId: string) =>
  (await redis.sismember(OUTBOX_STREAMS_KEY, saleKeys(saleId).outbox)) === 1;

it('finds the sale of a stream', () => {
  expect(saleMetaKeyOfStream(saleKeys('s-1').outbox)).toBe(saleKeys('s-1').meta);
});

it('retires the empty stream of an ended sale; again is harmless', async () => {
  const saleId = await sale(-60_000);
  expect(await registered(saleId)).toBe(true);
  expect(await retireOutboxStream(redis, saleKeys(saleId).outbox)).toBe(true);
  expect(await registered(saleId)).toBe(false);
  expect(await retireOutboxStream(redis, saleKeys(saleId).outbox)).toBe(true);
});

it('keeps the stream of an open sale, even when empty', async () => {
  const saleId = await sale(3_600_000);
  expect(await retireOutboxStream(redis, saleKeys(saleId).outbox)).toBe(false);
  expect(await registered(saleId)).toBe(true);
});

it('keeps an ended sale stream that still holds entries until they are gone', async () => {
  const saleId = await sale(-60_000);
  const stream = saleKeys(saleId).outbox;
  const entry = await redis.xadd(stream, '*', 'topic', 't', 'value', '{}');
  expect(await retireOutboxStream(redis, stream)).toBe(false);
  expect(await registered(saleId)).toBe(true);
  await redis.xdel(stream, entry ?? '');
  expect(await retireOutboxStream(redis, stream)).toBe(true);
  expect(await registered(saleId)).toBe(false);
  expect(await redis.exists(stream)).toBe(0);
});
