import { randomUUID } from 'node:crypto';
import { createEvent } from '@seckill/contracts';
import { toRecord } from '@seckill/kafka';
import { AdmissionScript, saleKeys } from '@seckill/redis';
import { BrokerSwitch, waitFor } from '@seckill/testing';
import { OrderServiceHarness } from '../testing/harness';

/**
 * The hot path's promise when Kafka is away: a purchase is still answered 202 (the order waits
 * in the sale's Redis outbox stream), and once the broker is back the stream relay publishes
 * every admitted order. The outage is simulated between this service and the shared broker
 * (BrokerSwitch), so the broker itself keeps running for everyone else.
 */
const broker = new BrokerSwitch();
let shop: OrderServiceHarness;

beforeAll(async () => {
  shop = await OrderServiceHarness.start({
    kafkaSocketFactory: broker.socketFactory,
    env: {
      ORDER_PUBLISH_TIMEOUT_MS: '300',
      OUTBOX_STREAM_MIN_AGE_MS: '1000',
      OUTBOX_RELAY_INTERVAL_MS: '200',
    },
  });
});

afterAll(async () => {
  broker.switchOn();
  await shop.close();
});

/** The distinct orders of a sale on the order.created topic, checking duplicates are true ones. */
async function publishedOrders(saleId: string, expected: number): Promise<Set<string>> {
  const events = await shop.orderCreatedEvents(saleId, expected);
  const orderOfEvent = new Map<string, string>();
  for (const event of events) {
    expect(orderOfEvent.get(event.eventId) ?? event.payload.orderId).toBe(event.payload.orderId);
    orderOfEvent.set(event.eventId, event.payload.orderId);
  }
  return new Set(events.map((e) => e.payload.orderId));
}

it('answers 202 while the broker is down and publishes every accepted order once it is back', async () => {
  const sale = await shop.createSale({ stock: 50, perUserLimit: 1 });
  const before = await shop.placeOrder(sale.id, 'before-the-outage');
  expect(before.status).toBe(202);

  broker.switchOff();
  const during = await Promise.all(
    Array.from({ length: 30 }, (_, i) => shop.placeOrder(sale.id, `during-${i}`)),
  );
  expect(during.map((answer) => answer.status)).toEqual(Array(30).fill(202));
  // Nothing reached Kafka: the orders wait in the stream.
  expect(await shop.redis.xlen(saleKeys(sale.id).outbox)).toBe(30);
  const status = await shop.request({
    method: 'GET',
    url: String(during[0]!.body.statusUrl),
    token: shop.token('during-0'),
  });
  expect(status.body).toMatchObject({ status: 'PENDING' });

  broker.switchOn();
  await waitFor(
    async () => (await shop.redis.xlen(saleKeys(sale.id).outbox)) === 0,
    'the relay to empty the outbox stream',
    { timeoutMs: 60_000 },
  );
  const accepted = [before, ...during].map((answer) => String(answer.body.orderId));
  expect(await publishedOrders(sale.id, accepted.length)).toEqual(new Set(accepted));
});

it('publishes an order whose process died between Redis and Kafka', async () => {
  const sale = await shop.createSale({ stock: 5 });
  // What the admission service does, minus the hand-off: the process "dies" after the script.
  const orderId = randomUUID();
  const event = createEvent(shop.events.orderCreated, {
    orderId,
    saleId: sale.id,
    userId: 'unlucky',
    quantity: 1,
    idempotencyKey: orderId,
    priceCents: sale.price,
    acceptedAt: new Date().toISOString(),
  });
  const result = await shop.app.get(AdmissionScript).admit({
    saleId: sale.id,
    userId: 'unlucky',
    quantity: 1,
    orderId,
    idempotencyKey: null,
    orderSummary: JSON.stringify({ orderId }),
    answer: JSON.stringify({ orderId }),
    record: toRecord(shop.events.orderCreated, event),
    deadline: null,
  });
  expect(result.outcome).toBe('ACCEPTED');

  await waitFor(
    async () => (await shop.redis.xlen(saleKeys(sale.id).outbox)) === 0,
    'the relay to publish the orphaned entry',
  );
  const [published] = await shop.orderCreatedEvents(sale.id, 1);
  expect(published).toEqual(event);
});
