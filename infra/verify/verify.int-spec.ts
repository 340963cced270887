import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { Topic } from '@seckill/contracts';
import { deadLetterRecord, EventPublisher } from '@seckill/kafka';
import { ScratchDatabase } from '@seckill/persistence';
import {
  ADMISSION_LUA,
  admissionCall,
  AdmissionScript,
  loadSaleStock,
  orderIndexKey,
  OUTBOX_STREAMS_KEY,
  parseAdmissionReply,
  RestockScript,
  saleKeys,
} from '@seckill/redis';
import { postgresServerUrl, testEndpoints, uniqueName, withRedisDatabase } from '@seckill/testing';
import { renderReport } from './render';
import { DATABASE_SERVICES, type DatabaseService, type VerifyTarget } from './target';
import type { RuleId, RuleResult } from './verdict';
import { UnknownSale, verify, type VerifyReport } from './verify';

/**
 * The verifier against the real PostgreSQL, Redis and Kafka, on a small shop state of its own:
 * five scratch databases migrated with the services' real migrations, a Redis database index no
 * shop uses (so the shop's outbox relay never sees the test's streams), its own dead-letter topic
 * and consumer group. Redis is written by the real admission and restock scripts; each service's
 * rows are written as that service writes them.
 *
 * The sale (3 units, limit 1) ends with one order SHIPPED, one FAILED (payment declined, stock
 * given back) and one CANCELLED (before payment). The verifier is green on it; then each test
 * breaks one thing (a second payment row, Redis stock taken with no order, an order left
 * unfinished with its event dead-lettered, an unpublished outbox row), expects the verifier to
 * fail and name it, and repairs it.
 */
const ROOT = path.join(__dirname, '..', '..');
const endpoints = testEndpoints();
/** A Redis logical database of this test's own (the shop uses 0, the other tests 15). */
const REDIS_URL = withRedisDatabase(endpoints.redisUrl, 11);
const redis = new Redis(REDIS_URL);
const kafka = new Kafka({
  clientId: 'verify-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const dlqTopic = uniqueName('it.verify.dead-letter');
const databases = new Map<DatabaseService, ScratchDatabase>();
const pools = new Map<DatabaseService, Pool>();
let target: VerifyTarget;

const SALE = randomUUID();
/** Every sale the test wrote to Redis, for the clean-up. */
const sales = [SALE];
const orderIds: string[] = [];
const STOCK = 3;
const ORDER = { shipped: randomUUID(), failed: randomUUID(), cancelled: randomUUID() } as const;
const userOf = (orderId: string) => `verify-user-${orderId.slice(0, 8)}`;

async function sql(service: DatabaseService, text: string, params: unknown[] = []) {
  const pool = pools.get(service);
  if (!pool) throw new Error(`no database for ${service}`);
  return (await pool.query(text, params)).rows as Record<string, unknown>[];
}

const log = (line: string) => process.stdout.write(`[verify] ${line}\n`);

async function run(options: { saleId?: string; timeoutMs?: number } = {}): Promise<VerifyReport> {
  return verify(
    target,
    { saleId: options.saleId ?? null, timeoutMs: options.timeoutMs ?? 20_000 },
    log,
  );
}

function result(report: VerifyReport, rule: RuleId): RuleResult {
  const found = report.results.find((r) => r.rule === rule);
  if (!found) throw new Error(`no result for ${rule}`);
  return found;
}

const verdicts = (report: VerifyReport) =>
  Object.fromEntries(report.results.map((r) => [r.rule, r.verdict]));

const findings = (report: VerifyReport, rule: RuleId) =>
  result(report, rule).violations.map((v) => `${v.subject}: ${v.message}`);

beforeAll(async () => {
  await Promise.all(
    DATABASE_SERVICES.map(async (service) => {
      const database = await ScratchDatabase.create({
        serverUrl: postgresServerUrl(endpoints),
        prefix: `verify_${service.replace('-service', '')}`,
        prismaDir: path.join(ROOT, 'apps', service, 'prisma'),
      });
      databases.set(service, database);
      pools.set(service, new Pool({ connectionString: database.url, max: 2 }));
    }),
  );
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: dlqTopic, numPartitions: 1, replicationFactor: 1 }],
  });
  const url = (service: DatabaseService) => databases.get(service)?.url ?? '';
  target = {
    databases: Object.fromEntries(DATABASE_SERVICES.map((s) => [s, url(s)])) as Record<
      DatabaseService,
      string
    >,
    redisUrl: REDIS_URL,
    kafkaBrokers: endpoints.kafkaBrokers,
    dlqTopic,
    // A group of its own that never consumed: no lag. The quiet logic itself is unit-tested.
    consumerGroups: [uniqueName('it.verify.group')],
  };
  await createSale(SALE, STOCK);
  await seedRedis();
  await seedDatabases();
}, 180_000);

afterAll(async () => {
  for (const sale of sales) {
    const keys = await redis.keys(`{sale:${sale}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.srem(OUTBOX_STREAMS_KEY, saleKeys(sale).outbox);
  }
  await redis.del(...[...Object.values(ORDER), ...orderIds].map(orderIndexKey));
  redis.disconnect();
  await publisher.disconnect();
  await admin.deleteTopics({ topics: [dlqTopic] }).catch(() => undefined);
  await admin.disconnect();
  await Promise.all([...pools.values()].map((pool) => pool.end()));
  await Promise.all([...databases.values()].map((database) => database.drop()));
});

/** A sale of `stock` units (limit 1) open now, in order-service's table and loaded into Redis. */
async function createSale(saleId: string, stock: number): Promise<void> {
  const now = Date.now();
  await sql(
    'order-service',
    `INSERT INTO sales (id, name, price_cents, stock, per_user_limit, starts_at, ends_at)
     VALUES ($1, 'verify it', 1500, $2, 1, $3, $4)`,
    [saleId, stock, new Date(now - 60_000), new Date(now + 3_600_000)],
  );
  await loadSaleStock(redis, {
    saleId,
    startsAtMs: now - 60_000,
    endsAtMs: now + 3_600_000,
    perUserLimit: 1,
    priceCents: 1500,
    stock,
  });
}

/** The admission script's request for one unit, as order-service builds it. */
function purchase(saleId: string, orderId: string, userId: string) {
  const summary = { orderId, saleId, userId, quantity: 1, status: 'PENDING', history: [] };
  return {
    saleId,
    userId,
    quantity: 1,
    orderId,
    idempotencyKey: `key-${orderId}`,
    orderSummary: JSON.stringify(summary),
    answer: JSON.stringify({ orderId, status: 'PENDING' }),
    record: { topic: Topic.OrderCreated, key: orderId, value: '{}', headers: {} },
    deadline: null,
    stockChannel: uniqueName('it.verify.stock'),
  };
}

/** The hot path: the sale loaded, three orders admitted by the Lua script, two restocked. */
async function seedRedis(): Promise<void> {
  const admission = new AdmissionScript(redis);
  for (const orderId of Object.values(ORDER)) {
    const answer = await admission.admit(purchase(SALE, orderId, userOf(orderId)));
    expect(answer.outcome).toBe('ACCEPTED');
  }
  // Published: the hand-off deletes an entry once Kafka has it.
  await redis.del(saleKeys(SALE).outbox);
  const restock = new RestockScript(redis);
  for (const orderId of [ORDER.failed, ORDER.cancelled]) {
    const answer = await restock.restock({
      saleId: SALE,
      orderId,
      userId: userOf(orderId),
      quantity: 1,
    });
    expect(answer.outcome).toBe('RESTOCKED');
  }
}

/** Each service's rows, as the saga leaves them for these three orders. */
async function seedDatabases(): Promise<void> {
  await sql(
    'inventory-service',
    // 3 reserved, 2 released: 2 available = 3 − 3 + 2.
    `INSERT INTO sale_stock (sale_id, initial_stock, available, reserved, released)
     VALUES ($1, $2, 2, 3, 2)`,
    [SALE, STOCK],
  );
  const endings: [string, string, string, string | null, string | null, string[]][] = [
    // order, read model, reservation, payment, charge, notifications
    [
      ORDER.shipped,
      'SHIPPED',
      'RESERVED',
      'CAPTURED',
      'SUCCEEDED',
      ['ACCEPTED', 'PAID', 'SHIPPED'],
    ],
    [ORDER.failed, 'FAILED', 'RELEASED', 'DECLINED', 'DECLINED', ['ACCEPTED', 'FAILED']],
    [ORDER.cancelled, 'CANCELLED', 'RELEASED', 'VOIDED', null, ['ACCEPTED', 'CANCELLED']],
  ];
  for (const [orderId, status, reservation, payment, charge, kinds] of endings) {
    const userId = userOf(orderId);
    const key = `key-${orderId}`;
    await sql(
      'order-service',
      `INSERT INTO orders (order_id, sale_id, user_id, quantity, idempotency_key, status, created_at)
       VALUES ($1, $2, $3, 1, $4, $5, now())`,
      [orderId, SALE, userId, key, status],
    );
    await sql(
      'order-service',
      `INSERT INTO order_history (order_id, status, event_type, event_id, occurred_at)
       VALUES ($1, 'PENDING', 'order.created', $2, now()), ($1, $3, $4, $5, now())`,
      [orderId, randomUUID(), status, `last.${status.toLowerCase()}`, randomUUID()],
    );
    await sql(
      'inventory-service',
      `INSERT INTO reservations (order_id, reservation_id, sale_id, user_id, quantity, status, idempotency_key)
       VALUES ($1, $2, $3, $4, 1, $5, $6)`,
      [orderId, randomUUID(), SALE, userId, reservation, key],
    );
    await sql(
      'inventory-service',
      `INSERT INTO inventory_log (order_id, sale_id, delta, kind, event_id)
       VALUES ($1, $2, -1, 'RESERVE', $3)`,
      [orderId, SALE, randomUUID()],
    );
    if (reservation === 'RELEASED') {
      await sql(
        'inventory-service',
        `INSERT INTO inventory_log (order_id, sale_id, delta, kind, event_id)
         VALUES ($1, $2, 1, 'RELEASE', $3)`,
        [orderId, SALE, randomUUID()],
      );
    }
    if (payment !== null) await insertPayment(orderId, payment);
    if (charge !== null) {
      await sql(
        'payment-service',
        `INSERT INTO provider_charges (idempotency_key, charge_id, amount_cents, status)
         VALUES ($1, $2, 1500, $3)`,
        [orderId, randomUUID(), charge],
      );
    }
    if (status === 'SHIPPED') {
      await sql(
        'logistics-service',
        `INSERT INTO shipments (shipment_id, order_id, sale_id, user_id, quantity, tracking_number, payment_id)
         VALUES ($1, $2, $3, $4, 1, $5, $6)`,
        [randomUUID(), orderId, SALE, userId, `TRK-${orderId.slice(0, 8)}`, randomUUID()],
      );
    }
    for (const kind of kinds) {
      await sql(
        'notification-service',
        `INSERT INTO notifications (order_id, kind, user_id, sale_id, message, event_id)
         VALUES ($1, $2, $3, $4, 'm', $5)`,
        [orderId, kind, userId, SALE, randomUUID()],
      );
    }
  }
}

async function insertPayment(orderId: string, status: string): Promise<string> {
  const paymentId = randomUUID();
  await sql(
    'payment-service',
    `INSERT INTO payments (payment_id, order_id, sale_id, user_id, quantity, amount_cents, status)
     VALUES ($1, $2, $3, $4, 1, 1500, $5)`,
    [paymentId, orderId, SALE, userOf(orderId), status],
  );
  return paymentId;
}

it('is green on a quiet shop where every invariant holds, for every sale and for one', async () => {
  const report = await run();
  expect(verdicts(report)).toEqual({
    quiet: 'PASS',
    'no-oversell': 'PASS',
    'per-user-limit': 'PASS',
    'orders-terminal': 'PASS',
    'effects-match-status': 'PASS',
    'no-duplicate-effect': 'PASS',
    'stock-conserved': 'PASS',
    'stock-agrees': 'PASS',
    'outbox-published': 'PASS',
    'dead-letters': 'PASS',
  });
  expect(report).toMatchObject({ ok: true, sales: 1, orders: 3 });
  expect(result(report, 'orders-terminal').detail).toBe(
    '3 accepted, 3 in the read model: SHIPPED 1, FAILED 1, CANCELLED 1',
  );
  expect((await run({ saleId: SALE })).ok).toBe(true);
});

it('rejects a sale order-service does not know', async () => {
  await expect(run({ saleId: randomUUID() })).rejects.toThrow(UnknownSale);
});

it('fails and names the order when a build that lost the unique index records a second payment', async () => {
  await sql('payment-service', 'DROP INDEX payments_order_id_key');
  const second = await insertPayment(ORDER.shipped, 'CAPTURED');
  try {
    const report = await run();
    expect(report.ok).toBe(false);
    expect(result(report, 'no-duplicate-effect').verdict).toBe('FAIL');
    expect(findings(report, 'no-duplicate-effect')).toEqual([
      `order ${ORDER.shipped}: 2 rows in payments for order_id ${ORDER.shipped}`,
    ]);
  } finally {
    await sql('payment-service', 'DELETE FROM payments WHERE payment_id = $1', [second]);
    await sql(
      'payment-service',
      'CREATE UNIQUE INDEX payments_order_id_key ON payments (order_id)',
    );
  }
});

it('fails and names the sale when Redis stock is taken with no order', async () => {
  await redis.decr(saleKeys(SALE).stock);
  try {
    const report = await run({ saleId: SALE });
    // The report as a person sees it (infra/verify/README.md shows this one).
    log(`\n${renderReport(report)}`);
    expect(report.ok).toBe(false);
    expect(findings(report, 'stock-conserved')).toEqual([
      `sale ${SALE}: Redis: stock 3 ≠ remaining 1 + 1 held by admitted orders not restocked (-1)`,
    ]);
    expect(findings(report, 'stock-agrees')).toEqual([
      `sale ${SALE}: Redis has 1 unit left, inventory 2 (-1)`,
      `sale ${SALE}: the read model keeps 1 unit and Redis has 1 left: 2 ≠ stock 3`,
    ]);
  } finally {
    await redis.incr(saleKeys(SALE).stock);
  }
});

it('fails on an unfinished order whose event is dead-lettered, and only warns once it finished', async () => {
  await sql('order-service', "UPDATE orders SET status = 'PAID' WHERE order_id = $1", [
    ORDER.shipped,
  ]);
  const message = {
    key: Buffer.from(ORDER.shipped),
    value: Buffer.from(
      JSON.stringify({
        eventId: randomUUID(),
        type: Topic.ShipmentCreated,
        payload: { orderId: ORDER.shipped, saleId: SALE },
      }),
    ),
    timestamp: String(Date.now()),
    attributes: 0,
    offset: '7',
    headers: {},
  } as KafkaMessage;
  await publisher.send([
    {
      ...deadLetterRecord({
        topic: Topic.ShipmentCreated,
        partition: 0,
        message,
        consumerGroup: 'order-service',
        reason: 'RETRIES_EXHAUSTED',
        error: 'Error: the read model was unreachable',
        attempts: 4,
      }),
      topic: dlqTopic,
    },
  ]);
  const report = await run();
  expect(report.ok).toBe(false);
  expect(findings(report, 'orders-terminal')).toEqual([
    `order ${ORDER.shipped}: PAID, not terminal`,
  ]);
  expect(result(report, 'dead-letters').verdict).toBe('FAIL');
  expect(findings(report, 'dead-letters')).toEqual([
    `dead letter 0:0: RETRIES_EXHAUSTED (shipment.created → order-service), order ${ORDER.shipped}: the order still needs it; fix the cause, then npm run dlq -- redrive shipment.created`,
  ]);

  await sql('order-service', "UPDATE orders SET status = 'SHIPPED' WHERE order_id = $1", [
    ORDER.shipped,
  ]);
  const finished = await run();
  expect(finished.ok).toBe(true);
  expect(result(finished, 'dead-letters').verdict).toBe('WARN');
});

it('waits for an unpublished outbox row, and fails naming it when it never goes out', async () => {
  await sql(
    'inventory-service',
    `INSERT INTO outbox_events (event_id, topic, key, type, version, payload)
     VALUES ($1, 'inventory.reserved', $2, 'inventory.reserved', 1, '{}')`,
    [randomUUID(), ORDER.shipped],
  );
  try {
    const report = await run({ timeoutMs: 1500 });
    expect(report.ok).toBe(false);
    expect(result(report, 'quiet').verdict).toBe('FAIL');
    const table = `${path.basename(new URL(target.databases['inventory-service']).pathname)}.outbox_events`;
    expect(findings(report, 'outbox-published')).toEqual([
      `${table}: 1 entry not published in ${table}`,
    ]);
  } finally {
    await sql('inventory-service', 'DELETE FROM outbox_events');
  }
});

it('names the oversold sale when a build without the Lua stock check admits a fourth buyer', async () => {
  const sale = randomUUID();
  sales.push(sale);
  await createSale(sale, STOCK);
  // The broken build: the admission script with its two stock checks taken out.
  const broken = ADMISSION_LUA.replace('if stock <= 0 then', 'if false then').replace(
    'if stock < quantity then',
    'if false then',
  );
  expect(broken).not.toBe(ADMISSION_LUA);
  for (let i = 0; i < STOCK + 1; i++) {
    const orderId = randomUUID();
    orderIds.push(orderId);
    const { keys, args } = admissionCall(purchase(sale, orderId, `broken-build-buyer-${i}`));
    const reply = parseAdmissionReply(await redis.eval(broken, keys.length, ...keys, ...args));
    expect(reply.outcome).toBe('ACCEPTED');
  }
  await redis.del(saleKeys(sale).outbox);

  const report = await run({ saleId: sale });
  expect(report.ok).toBe(false);
  expect(findings(report, 'no-oversell')).toEqual([
    `sale ${sale}: 4 units kept in Redis (admitted, not restocked) for a stock of 3`,
  ]);
  expect(findings(report, 'stock-conserved')).toEqual([
    `sale ${sale}: Redis stock is negative (-1)`,
  ]);
});
