import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { Topic } from '@seckill/contracts';
import { ScratchDatabase } from '@seckill/persistence';
import { postgresServerUrl, testEndpoints, uniqueName, waitFor } from '@seckill/testing';
import { serviceEnv, serviceSpec, provisionAllTopics } from './infra';
import { getJson, RunningService, startService } from './service-process';

/**
 * payment-service SIGKILLed after the provider charged and before the result was recorded
 * (ADR 0007): on restart the order is charged once and only once, and ends paid or failed,
 * never both. The compiled service runs as a real process on a database of the file's own;
 * the simulated provider answers ANSWER_DELAY_MS after its ledger write, and the test kills the
 * process as soon as it sees the charge committed while the payment is still PENDING.
 *
 * The service runs as a capture worker (`PAYMENT_CONSUMER_ENABLED=false`): a consumer would
 * join the `payment-service` group and share its partitions with a running shop's instance,
 * which records intents in the shop's database. So the test writes the intent as the consumer's
 * transaction does; the capturer, the provider and the outbox relay onto the real
 * `payment.*` topics are the real ones. Ports are offset by 300 (saga 200, services 100).
 */
const PORT_OFFSET = 300;
/** The window between the provider's charge and its answer: ample for a 20 ms poll. */
const ANSWER_DELAY_MS = 5_000;
/** Longer than one take-up with that late answer (the config insists). */
const LEASE_MS = ANSWER_DELAY_MS + 2_000;
const AMOUNT_CENTS = 4_200;
const OUTCOME_TOPICS = [Topic.PaymentSucceeded, Topic.PaymentFailed] as const;
const RESUMED = 'resumed a payment intent: the provider had already answered';

const endpoints = testEndpoints();
const log = (line: string) => process.stdout.write(`[payment-crash] ${line}\n`);
const kafka = new Kafka({
  clientId: 'payment-crash-e2e',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const running: RunningService[] = [];
let database: ScratchDatabase;
let pool: Pool;

function paymentEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const spec = serviceSpec('payment-service');
  return {
    ...serviceEnv(spec, endpoints),
    PORT: String(spec.port + PORT_OFFSET),
    DATABASE_URL: database.url,
    PAYMENT_CONSUMER_ENABLED: 'false',
    ...overrides,
  };
}

async function startPaymentService(env: Record<string, string>): Promise<RunningService> {
  const service = startService(serviceSpec('payment-service'), env);
  running.push(service);
  await waitFor(
    async () => (await getJson(service.port, '/health/ready').catch(() => null))?.status === 200,
    'payment-service to report ready',
    { timeoutMs: 90_000, intervalMs: 250 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${service.output().slice(-3000)}`);
  });
  return service;
}

async function rows<T>(sql: string, params: unknown[]): Promise<T[]> {
  return (await pool.query(sql, params)).rows as T[];
}

type Offsets = Map<string, Map<number, number>>;
type Outcome = { eventId: string; payload: Record<string, unknown> };

/** The end of each outcome topic's partitions: where the next message will go. */
async function endOffsets(): Promise<Offsets> {
  const offsets: Offsets = new Map();
  for (const topic of OUTCOME_TOPICS) {
    const ends = await admin.fetchTopicOffsets(topic);
    offsets.set(topic, new Map(ends.map((end) => [end.partition, Number(end.offset)])));
  }
  return offsets;
}

/** The messages keyed `key` published to the outcome topics between `from` and `to`, by topic. */
async function outcomesOf(key: string, from: Offsets, to: Offsets) {
  const groupId = uniqueName('payment-crash-reader');
  for (const [topic, starts] of from) {
    const partitions = [...starts].map(([partition, offset]) => ({
      partition,
      offset: String(offset),
    }));
    await admin.setOffsets({ groupId, topic, partitions });
  }
  const remaining = new Set<string>();
  for (const [topic, ends] of to) {
    for (const [partition, end] of ends) {
      if (end > (from.get(topic)?.get(partition) ?? 0)) remaining.add(`${topic}/${partition}`);
    }
  }
  const found = new Map<string, Outcome[]>(OUTCOME_TOPICS.map((topic) => [topic, []]));
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...OUTCOME_TOPICS] });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const end = to.get(topic)?.get(partition) ?? 0;
        if (Number(message.offset) >= end) return;
        if (message.key?.toString() === key && message.value) {
          found.get(topic)?.push(JSON.parse(message.value.toString()) as Outcome);
        }
        if (Number(message.offset) + 1 >= end) remaining.delete(`${topic}/${partition}`);
      },
    });
    await waitFor(() => remaining.size === 0, 'the outcome topics to be read to their end', {
      timeoutMs: 60_000,
    });
  } finally {
    await consumer.disconnect();
  }
  await admin.deleteGroups([groupId]).catch(() => undefined);
  return found;
}

beforeAll(async () => {
  await provisionAllTopics(endpoints.kafkaBrokers, log);
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'payment_crash',
    prismaDir: path.join(__dirname, '..', '..', '..', 'apps', 'payment-service', 'prisma'),
  });
  pool = new Pool({ connectionString: database.url, max: 2 });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  for (const service of running) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
    }
  }
  await Promise.all(running.map((service) => service.exited));
  await admin.disconnect();
  await pool?.end();
  await database?.drop();
});

it('charges once and records one outcome when payment-service is SIGKILLed between the provider call and the record', async () => {
  const orderId = randomUUID();
  const before = await endOffsets();
  const crashing = await startPaymentService(
    paymentEnv({
      PAYMENT_FAILURE_RATE: '0',
      PAYMENT_TIMEOUT_RATE: '0',
      PAYMENT_CAPTURE_ATTEMPTS: '1',
      PAYMENT_ANSWER_DELAY_MS: String(ANSWER_DELAY_MS),
      PAYMENT_CAPTURE_LEASE_MS: String(LEASE_MS),
    }),
  );
  // The intent, as the inventory.reserved handler records it.
  await pool.query(
    `INSERT INTO payments (payment_id, order_id, sale_id, user_id, quantity, amount_cents, status)
     VALUES ($1, $2, $3, $4, 1, $5, 'PENDING')`,
    [randomUUID(), orderId, uniqueName('crash-sale'), uniqueName('crash-user'), AMOUNT_CENTS],
  );

  const chargesOf = () =>
    rows<{ charge_id: string; status: string; amount_cents: number }>(
      'SELECT charge_id, status, amount_cents FROM provider_charges WHERE idempotency_key = $1',
      [orderId],
    );
  const paymentOf = async () =>
    (
      await rows<{ status: string; attempts: number }>(
        'SELECT status, attempts FROM payments WHERE order_id = $1',
        [orderId],
      )
    )[0];
  const outboxOf = () =>
    rows<{ event_id: string; topic: string; published: boolean }>(
      `SELECT event_id, topic, published_at IS NOT NULL AS published
       FROM outbox_events WHERE key = $1 ORDER BY id`,
      [orderId],
    );

  await waitFor(async () => (await chargesOf()).length > 0, 'the provider to charge the order', {
    timeoutMs: 30_000,
    intervalMs: 20,
  });
  crashing.child.kill('SIGKILL');
  expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });

  // Killed inside the window: charged at the provider, nothing recorded by payment-service.
  const [charge] = await chargesOf();
  expect(charge).toMatchObject({ status: 'SUCCEEDED', amount_cents: AMOUNT_CENTS });
  expect(await paymentOf()).toEqual({ status: 'PENDING', attempts: 1 });
  expect(await outboxOf()).toEqual([]);

  const restarted = await startPaymentService(paymentEnv());
  await waitFor(
    async () => {
      const outbox = await outboxOf();
      return outbox.length > 0 && outbox.every((entry) => entry.published);
    },
    'the restarted service to record the payment and publish its outcome',
    { timeoutMs: LEASE_MS + 60_000, intervalMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${restarted.output().slice(-3000)}`);
  });
  const after = await endOffsets();

  // Once and only once at the provider: the first charge, no other.
  expect(await chargesOf()).toEqual([charge]);
  // The second take-up asked the provider first and recorded its first answer. Only its log
  // tells: charging again with the same key would get the same answer, and one ledger row.
  expect(await paymentOf()).toEqual({ status: 'CAPTURED', attempts: 2 });
  const resumed = restarted
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; orderId?: string })
    .filter((line) => line.msg === RESUMED && line.orderId === orderId);
  expect(resumed).toHaveLength(1);

  // One outcome, paid and never failed, in the outbox and on Kafka.
  const [recorded] = await outboxOf();
  expect(await outboxOf()).toEqual([
    { event_id: recorded?.event_id, topic: Topic.PaymentSucceeded, published: true },
  ]);
  const outcomes = await outcomesOf(orderId, before, after);
  expect(outcomes.get(Topic.PaymentFailed)).toEqual([]);
  expect(outcomes.get(Topic.PaymentSucceeded)).toEqual([
    expect.objectContaining({
      eventId: recorded?.event_id,
      payload: expect.objectContaining({ orderId, amountCents: AMOUNT_CENTS }),
    }),
  ]);
});
