import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import {
  createEvent,
  defineEvent,
  type EnvelopeOf,
  OrderCreatedV1,
  type TopicName,
} from '@seckill/contracts';
import {
  EventPublisher,
  OutboxRelay,
  outboxEntryOf,
  type OutgoingRecord,
  toRecord,
} from '@seckill/kafka';
import { MetricsRegistry, runWithCorrelation, ServiceLogger } from '@seckill/observability';
import {
  postgresServerUrl,
  readMessages,
  testEndpoints,
  uniqueName,
  waitFor,
} from '@seckill/testing';
import { pgConnectionFields } from '../connection';
import { ScratchDatabase } from '../scratch-database';
import {
  PrismaConsumerStore,
  type SqlExecutor,
  type TransactionalClient,
} from './prisma-consumer-store';
import { PrismaOutboxStore } from './prisma-outbox-store';
import { MESSAGING_TABLES_SQL, pgSqlClient } from './pg-sql-client';

/**
 * The outbox relay on a real `outbox_events` table and a real broker: committed rows go out in
 * order per key; two relays at once (two instances of a service) publish each row once and in
 * order; a failed publish leaves the rows for the next run. The tables are the ones every
 * service's schema has, created here with raw SQL (a lib does not import an app's schema).
 */
const endpoints = testEndpoints();

const kafka = new Kafka({
  clientId: 'outbox-relay-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const logger = ServiceLogger.create('outbox-it', (process.env.IT_LOG_LEVEL ?? 'error') as 'error');

let database: ScratchDatabase;
const pools: pg.Pool[] = [];
const topics: string[] = [];
let topic: TopicName;
let TestOrderCreated: typeof OrderCreatedV1;

function sqlClient(): TransactionalClient<SqlExecutor> {
  const { client, pool } = pgSqlClient(database.url);
  pools.push(pool);
  return client;
}

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'outbox_it',
  });
  const setup = new pg.Client(pgConnectionFields(database.url));
  await setup.connect();
  await setup.query(MESSAGING_TABLES_SQL);
  await setup.end();
  await admin.connect();
});

beforeEach(async () => {
  topic = uniqueName('it.outbox') as TopicName;
  TestOrderCreated = defineEvent({ ...OrderCreatedV1, topic }) as typeof OrderCreatedV1;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
  });
  topics.push(topic);
  await pools[0]?.query('DELETE FROM outbox_events');
});

afterAll(async () => {
  await publisher.disconnect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  await Promise.all(pools.map((p) => p.end()));
  await database.drop();
});

function order(orderId: string): EnvelopeOf<typeof OrderCreatedV1> {
  return createEvent(TestOrderCreated, {
    orderId,
    saleId: 'sale-1',
    userId: 'user-1',
    quantity: 1,
    idempotencyKey: nextIdempotencyKey(),
    priceCents: 100,
    acceptedAt: new Date().toISOString(),
  });
}

let counter = 0;
const nextIdempotencyKey = () => `k-${(counter += 1)}`;

/** Commits `perKey` events for each of `keys`, interleaved, one transaction each, in order. */
async function commitEvents(
  client: TransactionalClient<SqlExecutor>,
  keys: readonly string[],
  perKey: number,
): Promise<string[]> {
  const store = new PrismaConsumerStore(client);
  const ids: string[] = [];
  for (let n = 0; n < perKey; n++) {
    for (const key of keys) {
      const event = order(key);
      await store.transaction((tx) =>
        store.appendOutbox(tx, [{ topic, event, headers: { 'event-id': event.eventId } }]),
      );
      ids.push(event.eventId);
    }
  }
  return ids;
}

function relayOn(
  client: TransactionalClient<SqlExecutor>,
  send: (records: readonly OutgoingRecord[]) => Promise<void> = (records) =>
    publisher.send(records),
) {
  return new OutboxRelay(
    new PrismaOutboxStore(client),
    { send },
    logger,
    new MetricsRegistry('it'),
    {
      name: 'it',
      intervalMs: 5,
      batchSize: 3,
      publishTimeoutMs: 10_000,
    },
  );
}

/** Event ids per key in the order the topic holds them. */
async function publishedPerKey(count: number): Promise<Map<string, string[]>> {
  const messages = await readMessages(kafka, topic, count);
  expect(messages).toHaveLength(count);
  const perKey = new Map<string, string[]>();
  for (const message of messages) {
    const { key, eventId } = JSON.parse(message.value!.toString()) as {
      key: string;
      eventId: string;
    };
    expect(message.key?.toString()).toBe(key);
    perKey.set(key, [...(perKey.get(key) ?? []), eventId]);
  }
  return perKey;
}

function expectedPerKey(keys: readonly string[], ids: readonly string[]): Map<string, string[]> {
  // commitEvents interleaves the keys: id n belongs to keys[n % keys.length].
  return new Map(keys.map((key, k) => [key, ids.filter((_, n) => n % keys.length === k)]));
}

async function rows(client: TransactionalClient<SqlExecutor>) {
  return client.$queryRaw<Array<{ published: boolean; attempts: number }>>`
    SELECT published_at IS NOT NULL AS published, attempts FROM outbox_events ORDER BY id`;
}

it('publishes committed rows, oldest first, so each key keeps its order', async () => {
  const client = sqlClient();
  const keys = ['o-a', 'o-b', 'o-c', 'o-d'];
  const ids = await commitEvents(client, keys, 5);
  const relay = relayOn(client);

  expect(await relay.drain()).toBe(20);

  expect(await publishedPerKey(20)).toEqual(expectedPerKey(keys, ids));
  expect(await new PrismaOutboxStore(client).backlog()).toBe(0);
  expect((await rows(client)).every((r) => r.published && r.attempts === 1)).toBe(true);
});

it('relays a row as the record toRecord made of its event, headers included', async () => {
  const client = sqlClient();
  const store = new PrismaConsumerStore(client);
  const event = order('o-round-trip');
  const { record, entry } = runWithCorrelation({ correlationId: 'c-round-trip' }, () => ({
    record: toRecord(TestOrderCreated, event),
    entry: outboxEntryOf(TestOrderCreated, event),
  }));
  await store.transaction((tx) => store.appendOutbox(tx, [entry]));
  const relayed: OutgoingRecord[] = [];

  expect(await relayOn(client, async (records) => void relayed.push(...records)).drain()).toBe(1);

  // jsonb keeps an object's keys in its own order: the value is the same JSON, not the same text.
  const [only] = relayed;
  expect({ ...only, value: JSON.parse(String(only?.value)) }).toEqual({
    ...record,
    value: JSON.parse(String(record.value)),
  });
  expect(only?.headers).toMatchObject({ 'correlation-id': 'c-round-trip' });
});

it('two relays at once publish each row once and in order', async () => {
  const first = sqlClient();
  const second = sqlClient();
  const keys = ['o-e', 'o-f', 'o-g'];
  const relays = [relayOn(first), relayOn(second)];
  for (const relay of relays) relay.start();
  // Rows keep arriving while both relays poll.
  const ids = [...(await commitEvents(first, keys, 8)), ...(await commitEvents(second, keys, 8))];
  const all = expectedPerKey(keys, ids);
  await waitFor(
    async () => (await new PrismaOutboxStore(first).backlog()) === 0,
    'both relays to drain the outbox',
  );
  await Promise.all(relays.map((r) => r.stop()));

  expect(await publishedPerKey(ids.length)).toEqual(all);
  expect(await readAllCount()).toBe(ids.length); // nothing twice
  expect((await rows(first)).every((r) => r.published && r.attempts === 1)).toBe(true);
});

it('leaves the rows unpublished when the publish fails, and publishes them on the next run', async () => {
  const client = sqlClient();
  const keys = ['o-h', 'o-i'];
  const ids = await commitEvents(client, keys, 2);
  let brokerUp = false;
  const relay = relayOn(client, async (records) => {
    if (!brokerUp) throw new Error('broker unreachable');
    await publisher.send(records);
  });

  await expect(relay.drain()).rejects.toThrow('broker unreachable');
  const store = new PrismaOutboxStore(client);
  expect(await store.backlog()).toBe(4);
  // The failed attempt is counted on the rows it claimed (the first batch of 3).
  expect((await rows(client)).map((r) => r.attempts)).toEqual([1, 1, 1, 0]);

  brokerUp = true;
  expect(await relay.drain()).toBe(4);
  expect(await store.backlog()).toBe(0);
  expect(await publishedPerKey(4)).toEqual(expectedPerKey(keys, ids));
  expect(await readAllCount()).toBe(4);
});

/** Messages on the test topic, from the partitions' offsets (not by reading: nothing to wait for). */
async function readAllCount(): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}
