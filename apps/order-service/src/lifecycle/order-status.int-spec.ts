import { randomUUID } from 'node:crypto';
import { orderResponse } from '@seckill/contracts';
import { OrderServiceHarness } from '../testing/harness';

/**
 * `GET /api/orders/:orderId` once the order is in the Postgres read model: its status and full
 * history, to its owner only; before that, the admission script's PENDING summary in Redis.
 */
let shop: OrderServiceHarness;

beforeAll(async () => {
  shop = await OrderServiceHarness.start();
});

afterAll(async () => {
  await shop.close();
});

it('answers from the read model once the order is in it, to its owner only', async () => {
  const sale = await shop.createSale();
  const placed = await shop.placeOrder(sale.id, 'reader');
  const orderId = String(placed.body.orderId);
  const url = `/api/orders/${orderId}`;

  // Not consumed yet: the Redis summary.
  const admitted = await shop.request({ method: 'GET', url, token: shop.token('reader') });
  expect(admitted.body).toMatchObject({ status: 'PENDING', history: [{ status: 'PENDING' }] });

  // What the consumers write (src/lifecycle/lifecycle.int-spec.ts drives them for real).
  const db = shop.openDatabase();
  const at = (ms: number) => new Date(Date.parse('2026-01-01T10:00:00.000Z') + ms);
  try {
    await db.order.create({
      data: {
        orderId,
        saleId: sale.id,
        userId: 'reader',
        quantity: 1,
        status: 'CANCELLED',
        createdAt: at(0),
        history: {
          create: [
            // Recorded out of order; answered in the order they happened.
            {
              status: 'PAID',
              eventType: 'payment.succeeded',
              eventId: randomUUID(),
              occurredAt: at(3),
            },
            {
              status: 'PENDING',
              eventType: 'order.created',
              eventId: randomUUID(),
              occurredAt: at(0),
            },
            {
              status: 'CANCELLED',
              eventType: 'order.cancelled',
              eventId: randomUUID(),
              occurredAt: at(2),
            },
            {
              status: 'REFUNDED',
              eventType: 'payment.refunded',
              eventId: randomUUID(),
              occurredAt: at(4),
            },
          ],
        },
      },
    });
  } finally {
    await db.$disconnect();
  }

  const mine = await shop.request({ method: 'GET', url, token: shop.token('reader') });
  expect(mine.status).toBe(200);
  expect(orderResponse.parse(mine.body)).toEqual({
    orderId,
    saleId: sale.id,
    quantity: 1,
    status: 'CANCELLED',
    history: [
      { status: 'PENDING', event: 'order.created', at: at(0).toISOString() },
      { status: 'CANCELLED', event: 'order.cancelled', at: at(2).toISOString() },
      { status: 'PAID', event: 'payment.succeeded', at: at(3).toISOString() },
      { status: 'REFUNDED', event: 'payment.refunded', at: at(4).toISOString() },
    ],
  });

  const theirs = await shop.request({ method: 'GET', url, token: shop.token('someone-else') });
  expect(theirs.status).toBe(404);
  expect(theirs.body).toMatchObject({ code: 'ORDER_NOT_FOUND' });
});
