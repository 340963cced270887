import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { testEndpoints, waitFor } from '@seckill/testing';
import { type AdmissionRequest, AdmissionScript, loadSaleStock } from './admission';
import { RestockScript, restockedKey } from './restock';
import { orderIndexKey, OUTBOX_STREAMS_KEY, saleKeys } from './sale-keys';
import { STOCK_CHANNEL } from './stock-channel';

/**
 * The restock script on the real Redis: a released order's units go back once, however often
 * it runs, the buyer may buy again, and the gateways hear that the sale is back.
 */
const redis = new Redis(testEndpoints().redisUrl);
const admission = new AdmissionScript(redis);
const restock = new RestockScript(redis);
const sales: string[] = [];

afterAll(async () => {
  for (const saleId of sales) {
    const keys = saleKeys(saleId);
    const orders = await redis.hkeys(keys.orders);
    await redis.srem(OUTBOX_STREAMS_KEY, keys.outbox);
    await redis.del(
      ...[keys.meta, keys.stock, keys.buyers, keys.orders, keys.outbox, restockedKey(saleId)],
      ...orders.map(orderIndexKey),
    );
  }
  redis.disconnect();
});

async function sale(stock: number): Promise<string> {
  const saleId = randomUUID();
  sales.push(saleId);
  const now = Date.now();
  await loadSaleStock(redis, {
    saleId,
    startsAtMs: now - 60_000,
    endsAtMs: now + 3_600_000,
    perUserLimit: 1,
    priceCents: 500,
    stock,
  });
  return saleId;
}

function purchase(saleId: string, userId: string): AdmissionRequest {
  const orderId = randomUUID();
  return {
    saleId,
    userId,
    quantity: 1,
    orderId,
    idempotencyKey: null,
    orderSummary: JSON.stringify({ orderId }),
    answer: '{}',
    record: { topic: 'it.order.created', key: orderId, value: '{}', headers: {} },
    deadline: null,
  };
}

it('gives a released order back once: stock +quantity, the buyer may buy again, soldOut:false', async () => {
  const saleId = await sale(1);
  const keys = saleKeys(saleId);
  const first = purchase(saleId, 'alice');
  expect(await admission.admit(first)).toMatchObject({ outcome: 'ACCEPTED', remainingStock: 0 });
  // Sold out, and alice is at her limit.
  expect(await admission.admit(purchase(saleId, 'bob'))).toEqual({ outcome: 'SOLD_OUT' });

  const subscriber = new Redis(testEndpoints().redisUrl);
  const signals: string[] = [];
  await subscriber.subscribe(STOCK_CHANNEL);
  subscriber.on('message', (_channel, message: string) => {
    if (message.includes(saleId)) signals.push(message);
  });
  try {
    const order = { saleId, orderId: first.orderId, userId: 'alice', quantity: 1 };
    expect(await restock.restock(order)).toEqual({ outcome: 'RESTOCKED', stock: 1 });
    // Again, as after a retried consumer transaction: nothing changes.
    expect(await restock.restock(order)).toEqual({ outcome: 'ALREADY', stock: 1 });
    expect(await redis.get(keys.stock)).toBe('1');
    expect(await redis.hexists(keys.buyers, 'alice')).toBe(0);
    expect(await redis.sismember(restockedKey(saleId), first.orderId)).toBe(1);

    await waitFor(() => signals.length >= 1, 'the stock signal');
    expect(signals).toEqual([JSON.stringify({ saleId, soldOut: false })]);
  } finally {
    subscriber.disconnect();
  }

  // alice may buy again (her count went back), and takes the returned unit.
  expect(await admission.admit(purchase(saleId, 'alice'))).toMatchObject({
    outcome: 'ACCEPTED',
    remainingStock: 0,
  });
});

it('lowers the count of a buyer who keeps other units', async () => {
  const saleId = await sale(10);
  const keys = saleKeys(saleId);
  await redis.hset(keys.meta, 'perUserLimit', '5');
  const orders = [];
  for (let i = 0; i < 3; i++) {
    const order = purchase(saleId, 'carol');
    expect(await admission.admit(order)).toMatchObject({ outcome: 'ACCEPTED' });
    orders.push(order);
  }
  await restock.restock({ saleId, orderId: orders[0]!.orderId, userId: 'carol', quantity: 1 });
  expect(await redis.hget(keys.buyers, 'carol')).toBe('2');
  expect(await redis.get(keys.stock)).toBe('8');
});

it('does not create the stock of a sale Redis does not have (the loader reloads it)', async () => {
  const saleId = randomUUID();
  sales.push(saleId);
  const order = { saleId, orderId: randomUUID(), userId: 'dave', quantity: 2 };
  expect(await restock.restock(order)).toEqual({ outcome: 'NO_SALE' });
  expect(await redis.exists(saleKeys(saleId).stock, restockedKey(saleId))).toBe(0);
});
