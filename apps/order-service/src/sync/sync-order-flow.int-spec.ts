import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SyncRoute, syncPath } from '@seckill/contracts';
import { saleKeys } from '@seckill/redis';
import { OrderDatabase } from '../database';
import { OrderServiceHarness } from '../testing/harness';

/**
 * order-service's side of the synchronous baseline (ADR 0012) on the real PostgreSQL and Redis,
 * with inventory, payment and logistics played by one scripted HTTP server, so that each callee
 * can be made to refuse, fail or never answer. The callees' own behaviour is tested in their
 * apps (src/sync/sync.int-spec.ts); the crowd and the verifier in apps/shop-e2e/src/sync-flow.int-spec.ts.
 */
type Reply = { readonly status: number; readonly body: unknown } | 'hang';

/** Any order's refund or release (their paths carry the order id, which order-service picks). */
const REFUND = /^\/internal\/sync\/payments\/[^/]+\/refund$/;
const RELEASE = /^\/internal\/sync\/reservations\/[^/]+\/release$/;

class ScriptedCallees {
  readonly calls: string[] = [];
  private readonly replies: Array<{ readonly path: string | RegExp; readonly reply: Reply }> = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      const path = request.url ?? '';
      this.calls.push(`${request.method ?? ''} ${path}`);
      request.resume();
      // The latest script for a path wins.
      const scripted = [...this.replies]
        .reverse()
        .find((r) => (typeof r.path === 'string' ? r.path === path : r.path.test(path)));
      const reply = scripted?.reply ?? { status: 500, body: { detail: 'not scripted' } };
      if (reply === 'hang') return; // never answers: the caller's timeout decides
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply.body));
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(path: string | RegExp, reply: Reply): void {
    this.replies.push({ path, reply });
  }

  count(path: string): number {
    return this.calls.filter((c) => c === `POST ${path}`).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

const callees = new ScriptedCallees();
let harness: OrderServiceHarness;
let db: OrderDatabase;

/** Every callee answers as a healthy shop would (the bodies name `orderId`). */
function healthy(orderId: string): void {
  callees.on(SyncRoute.Reserve, {
    status: 201,
    body: { orderId, reservationId: randomUUID(), status: 'RESERVED' },
  });
  callees.on(SyncRoute.Charge, { status: 201, body: { orderId, status: 'CAPTURED' } });
  callees.on(SyncRoute.Ship, {
    status: 201,
    body: { orderId, trackingNumber: 'TRK-1', status: 'CREATED' },
  });
  callees.on(RELEASE, { status: 200, body: { orderId, status: 'RELEASED' } });
  callees.on(REFUND, { status: 200, body: { orderId, status: 'VOIDED' } });
}

/** The buyer's order in the sale, with its history as `<status> <event type>` lines. */
async function orderOf(saleId: string, userId: string) {
  const order = await db.order.findFirst({ where: { saleId, userId } });
  if (!order) throw new Error(`no order of ${userId} in ${saleId}`);
  const history = await db.orderHistory.findMany({
    where: { orderId: order.orderId },
    orderBy: { id: 'asc' },
  });
  return { ...order, history: history.map((h) => `${h.status} ${h.eventType}`) };
}

beforeAll(async () => {
  const url = await callees.listen();
  harness = await OrderServiceHarness.start({
    env: {
      INVENTORY_SERVICE_URL: url,
      PAYMENT_SERVICE_URL: url,
      LOGISTICS_SERVICE_URL: url,
      SYNC_CALL_TIMEOUT_MS: '300',
    },
  });
  db = harness.app.get(OrderDatabase);
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await callees.close();
});

beforeEach(() => {
  callees.calls.length = 0;
});

it('sells a sync sale through the three calls and answers 201 once shipped; the sale never enters Redis', async () => {
  const sale = await harness.createSale({ flow: 'sync', stock: 5 });
  expect(sale.flow).toBe('sync');
  expect(await harness.redis.exists(saleKeys(sale.id).meta, saleKeys(sale.id).stock)).toBe(0);
  // The order id is order-service's own; the stub answers with whatever it is asked about.
  healthy('any');
  const answer = await harness.placeOrder(sale.id, 'buyer-1', { idempotencyKey: 'k1' });
  expect(answer.status).toBe(201);
  expect(answer.body).toMatchObject({ status: 'SHIPPED', trackingNumber: 'TRK-1' });
  // So the gateway never remembers a sync sale as sold out.
  expect(answer.headers['x-seckill-flow']).toBe('sync');
  expect(callees.calls).toEqual([
    `POST ${SyncRoute.Reserve}`,
    `POST ${SyncRoute.Charge}`,
    `POST ${SyncRoute.Ship}`,
  ]);
  const order = await orderOf(sale.id, 'buyer-1');
  expect(order.status).toBe('SHIPPED');
  expect(order.history).toEqual([
    'RESERVED sync.inventory.reserved',
    'PAID sync.payment.captured',
    'SHIPPED sync.shipment.created',
  ]);
  const view = await harness.request<{ remainingStock: number }>({
    method: 'GET',
    url: `/api/sales/${sale.id}`,
  });
  expect(view.body.remainingStock).toBe(4);
});

it('a payment that never answers is refunded and released before the buyer hears 503 UPSTREAM_UNAVAILABLE; a retry gets the same answer and calls nothing', async () => {
  const sale = await harness.createSale({ flow: 'sync' });
  healthy('any');
  callees.on(SyncRoute.Charge, 'hang');
  const answer = await harness.placeOrder(sale.id, 'buyer-2', { idempotencyKey: 'k2' });
  expect({ status: answer.status, code: answer.body.code }).toEqual({
    status: 503,
    code: 'UPSTREAM_UNAVAILABLE',
  });
  const order = await orderOf(sale.id, 'buyer-2');
  // The charge may have happened after the timeout: refund (idempotent, a void if it did not)
  // comes first, then the stock goes back.
  expect(callees.calls).toEqual([
    `POST ${SyncRoute.Reserve}`,
    `POST ${SyncRoute.Charge}`,
    `POST ${syncPath(SyncRoute.Refund, order.orderId)}`,
    `POST ${syncPath(SyncRoute.Release, order.orderId)}`,
  ]);
  expect(order.status).toBe('FAILED');
  expect(order.history).toEqual([
    'RESERVED sync.inventory.reserved',
    'FAILED sync.failed.UPSTREAM_UNAVAILABLE',
  ]);

  callees.calls.length = 0;
  const again = await harness.placeOrder(sale.id, 'buyer-2', { idempotencyKey: 'k2' });
  expect({ status: again.status, code: again.body.code }).toEqual({
    status: 503,
    code: 'UPSTREAM_UNAVAILABLE',
  });
  expect(callees.calls).toEqual([]);
});

it('when a compensation fails too the buyer hears OUTCOME_UNKNOWN, and a retry with the key resumes the order where it stopped', async () => {
  const sale = await harness.createSale({ flow: 'sync' });
  healthy('any');
  callees.on(SyncRoute.Charge, { status: 500, body: {} });
  callees.on(REFUND, { status: 503, body: {} });
  const unknown = await harness.placeOrder(sale.id, 'buyer-4', { idempotencyKey: 'k4' });
  expect({ status: unknown.status, code: unknown.body.code }).toEqual({
    status: 503,
    code: 'OUTCOME_UNKNOWN',
  });
  const order = await orderOf(sale.id, 'buyer-4');
  // Stopped where it was: nothing released while the money's fate is unknown.
  expect(order.status).toBe('RESERVED');
  expect(order.history).toEqual(['RESERVED sync.inventory.reserved']);
  expect(callees.count(syncPath(SyncRoute.Release, order.orderId))).toBe(0);

  // The provider is back: the retry charges (no second reservation) and ships.
  healthy('any');
  callees.calls.length = 0;
  const resumed = await harness.placeOrder(sale.id, 'buyer-4', { idempotencyKey: 'k4' });
  expect(resumed.status).toBe(201);
  expect(resumed.body).toMatchObject({ orderId: order.orderId, status: 'SHIPPED' });
  expect(callees.calls).toEqual([`POST ${SyncRoute.Charge}`, `POST ${SyncRoute.Ship}`]);
  expect((await orderOf(sale.id, 'buyer-4')).history).toEqual([
    'RESERVED sync.inventory.reserved',
    'PAID sync.payment.captured',
    'SHIPPED sync.shipment.created',
  ]);
});

it('passes a refusal on as it is, with nothing to undo: SOLD_OUT from inventory is 409 SOLD_OUT and a FAILED order', async () => {
  const sale = await harness.createSale({ flow: 'sync' });
  healthy('any');
  callees.on(SyncRoute.Reserve, {
    status: 409,
    body: { code: 'SOLD_OUT', detail: 'The sale is sold out.' },
  });
  const answer = await harness.placeOrder(sale.id, 'buyer-5');
  expect({ status: answer.status, code: answer.body.code }).toEqual({
    status: 409,
    code: 'SOLD_OUT',
  });
  expect(callees.calls).toEqual([`POST ${SyncRoute.Reserve}`]);
  expect((await orderOf(sale.id, 'buyer-5')).status).toBe('FAILED');
});

it('a purchase past its deadline is refused DEADLINE_EXCEEDED before any order exists', async () => {
  const sale = await harness.createSale({ flow: 'sync' });
  const answer = await harness.placeOrder(sale.id, 'buyer-6', { deadline: Date.now() - 1 });
  expect({ status: answer.status, code: answer.body.code }).toEqual({
    status: 503,
    code: 'DEADLINE_EXCEEDED',
  });
  expect(await db.order.count({ where: { saleId: sale.id } })).toBe(0);
  expect(callees.calls).toEqual([]);
});

it('leaves the event-driven flow alone: its purchases are 202 and call nobody; an unknown sale is still 404', async () => {
  const sale = await harness.createSale({ stock: 3 });
  expect(sale.flow).toBe('events');
  expect((await harness.placeOrder(sale.id, 'buyer-7')).status).toBe(202);
  expect((await harness.placeOrder(randomUUID(), 'buyer-7')).status).toBe(404);
  expect(callees.calls).toEqual([]);
});
