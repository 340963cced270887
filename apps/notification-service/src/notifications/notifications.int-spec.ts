import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { JwtCodec } from '@seckill/auth';
import { loadConfig } from '@seckill/config';
import {
  createEvent,
  type NotificationItem,
  OrderCancelledV1,
  OrderCreatedV1,
  PaymentFailedV1,
  PaymentSucceededV1,
  ShipmentCreatedV1,
} from '@seckill/contracts';
import {
  ConsumerScenario,
  type ConsumerScenarioOptions,
  DLQ_HEADER,
  EventPublisher,
  onTopic,
} from '@seckill/kafka';
import { type LogLevel, MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { createPgAdapter, PrismaConsumerStore, ScratchDatabase } from '@seckill/persistence';
import { createServiceApp } from '@seckill/service-kit';
import {
  countingCalls,
  poisonAmongGood,
  postgresServerUrl,
  runPoisonMix,
  testEndpoints,
  uniqueName,
  waitFor,
} from '@seckill/testing';
import { configSchema, SERVICE } from '../config';
import { NotificationDatabase } from '../database';
import { NotificationServiceModule } from '../notification-service.module';
import {
  OrderCancelledIntegrationEventHandler,
  OrderCreatedIntegrationEventHandler,
  PaymentFailedIntegrationEventHandler,
  PaymentSucceededIntegrationEventHandler,
  ShipmentCreatedIntegrationEventHandler,
} from './lifecycle.handlers';
import { NotificationFeed } from './notification-feed';
import { FEED_CHANNEL, type FeedMessage, type NewNotification } from './notification';
import { NotificationWriter } from './notification-writer';

/**
 * notification-service on the real broker and a database of the test's own: the handlers
 * through the real consumer runner (one row per order and kind, however often an event comes),
 * and the HTTP API and the SSE feed of the service as it is built (createServiceApp), fed by
 * that runner's commits.
 */
const SECRET = 'notification-service-integration-test-secret-0123';
const endpoints = testEndpoints();

const kafka = new Kafka({
  clientId: 'notification-it',
  brokers: [...endpoints.kafkaBrokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const logger = ServiceLogger.create(
  'notification-it',
  (process.env.IT_LOG_LEVEL ?? 'error') as 'error',
);
const codec = new JwtCodec(SECRET, 3600);
const deadLetterTopic = uniqueName('it.dead-letter');
/** One writer for every handler, as the service's module provides it. */
const writer = new NotificationWriter(logger);

/** The catalogue events on topics of this test's own. */
const Created = ConsumerScenario.ownTopic(OrderCreatedV1);
const Paid = ConsumerScenario.ownTopic(PaymentSucceededV1);
const Failed = ConsumerScenario.ownTopic(PaymentFailedV1);
const Shipped = ConsumerScenario.ownTopic(ShipmentCreatedV1);
const Cancelled = ConsumerScenario.ownTopic(OrderCancelledV1);

let database: ScratchDatabase;
let db: NotificationDatabase;
let app: NestFastifyApplication;
let baseUrl: string;
/** The service's consumer group, fed by the test's topics. */
let group: ConsumerScenario;
/** The last test shuts the service down itself. */
let closed = false;

beforeAll(async () => {
  database = await ScratchDatabase.create({
    serverUrl: postgresServerUrl(endpoints),
    prefix: 'notification_it',
    prismaDir: path.join(__dirname, '..', '..', 'prisma'),
  });
  db = new NotificationDatabase({ adapter: createPgAdapter(database.url, { poolSize: 4 }) });
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1 }],
  });
  group = await notificationGroup([
    onTopic(new OrderCreatedIntegrationEventHandler(logger, writer), Created),
    onTopic(new PaymentSucceededIntegrationEventHandler(logger, writer), Paid),
    onTopic(new PaymentFailedIntegrationEventHandler(logger, writer), Failed),
    onTopic(new ShipmentCreatedIntegrationEventHandler(logger, writer), Shipped),
    onTopic(new OrderCancelledIntegrationEventHandler(logger, writer), Cancelled),
  ]);

  const config = loadConfig(SERVICE, configSchema, {
    PORT: '3999', // unused: the test listens on a free port
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.IT_LOG_LEVEL ?? 'error',
    DATABASE_URL: database.url,
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    JWT_SECRET: SECRET,
    SSE_HEARTBEAT_MS: '1000',
  });
  app = await createServiceApp(
    {
      service: SERVICE,
      config,
      // No consumer group of the service's own: it would read the shop's real topics.
      module: NotificationServiceModule.register(config, { consume: false }),
    },
    ServiceLogger.create(SERVICE, config.LOG_LEVEL as LogLevel),
  );
  await app.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  await app.get(NotificationFeed).started();
  await waitFor(() => app.get(NotificationFeed).listening, 'the feed to LISTEN');

  await group.start();
});

afterAll(async () => {
  if (!closed) {
    await group?.stop();
    await app?.close();
  }
  await group?.cleanup();
  await publisher.disconnect();
  await admin.deleteTopics({ topics: [deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

/** The service's handlers (on topics of this file's own) in a consumer group of its own. */
function notificationGroup(
  handlers: ConsumerScenarioOptions['handlers'],
  layout: Pick<ConsumerScenarioOptions, 'partitions' | 'partitionsConsumedConcurrently'> = {},
): Promise<ConsumerScenario> {
  return ConsumerScenario.create({
    kafka,
    admin,
    publisher,
    logger,
    metrics: new MetricsRegistry('notification-it'),
    groupId: uniqueName('notification-service-it'),
    deadLetterTopic,
    store: new PrismaConsumerStore(db),
    handlers,
    ...layout,
  });
}

function orderRef(userId: string) {
  return { orderId: randomUUID(), saleId: randomUUID(), userId, quantity: 1 };
}

function created(ref: ReturnType<typeof orderRef>) {
  return createEvent(Created, {
    ...ref,
    idempotencyKey: randomUUID(),
    priceCents: 1999,
    acceptedAt: new Date().toISOString(),
  });
}

function shipped(ref: ReturnType<typeof orderRef>) {
  return createEvent(Shipped, { ...ref, shipmentId: randomUUID(), trackingNumber: 'TRK-1' });
}

async function rowsOf(userId: string) {
  return db.notification.findMany({ where: { userId }, orderBy: { id: 'asc' } });
}

function get(url: string, token?: string) {
  return app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

const tokenOf = (userId: string) => codec.sign({ userId, role: 'user' });

describe('the lifecycle handlers', () => {
  it('record one notification per order and kind, under redelivery and replays', async () => {
    const userId = uniqueName('user');
    const ref = orderRef(userId);
    const events = [
      created(ref),
      createEvent(Paid, { ...ref, paymentId: randomUUID(), amountCents: 1999 }),
      createEvent(Failed, { ...ref, reason: 'card declined' }),
      shipped(ref),
      createEvent(Cancelled, { ...ref, reason: 'PAYMENT_DEADLINE_EXPIRED' }),
    ];
    const definitions = [Created, Paid, Failed, Shipped, Cancelled];
    for (const [i, event] of events.entries()) {
      // Twice, as a relay that crashed between the publish and marking it sent does.
      await publisher.publish(definitions[i] as never, event as never);
      await publisher.publish(definitions[i] as never, event as never);
    }
    // The same fact again under a new event id (a producer that re-created the event).
    await publisher.publish(Created, created(ref));

    await group.drained();

    const rows = await rowsOf(userId);
    expect(rows.map((r) => r.kind).sort()).toEqual(
      ['ACCEPTED', 'CANCELLED', 'FAILED', 'PAID', 'SHIPPED'].sort(),
    );
    expect(rows.every((r) => r.orderId === ref.orderId && r.saleId === ref.saleId)).toBe(true);
    const paid = rows.find((r) => r.kind === 'PAID');
    expect(paid?.message).toContain('19.99');
    expect(paid?.eventId).toBe(events[1]?.eventId);
    expect(rows.find((r) => r.kind === 'SHIPPED')?.message).toContain('TRK-1');
    expect(rows.find((r) => r.kind === 'ACCEPTED')?.eventId).toBe(events[0]?.eventId);

    // The group reads everything again, as after commits lost in a rebalance: nothing changes.
    await group.replayEverything();
    expect((await rowsOf(userId)).map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });

  it('dead-letters malformed orders among good ones on partitions handled at once, and notifies each good one once', async () => {
    // order.created on three partitions handled at once: their chunks share a transaction.
    const Wide = ConsumerScenario.ownTopic(OrderCreatedV1);
    const wide = await notificationGroup(
      [onTopic(new OrderCreatedIntegrationEventHandler(logger, writer), Wide)],
      { partitions: 3, partitionsConsumedConcurrently: 3 },
    );
    const userId = uniqueName('user');
    const good = Array.from({ length: 6 }, () => created(orderRef(userId)));
    const invalid = created(orderRef(userId));
    try {
      const mix = await runPoisonMix({
        kafka,
        admin,
        group: wide,
        topic: Wide.topic,
        deadLetterTopic,
        headers: DLQ_HEADER,
        messages: poisonAmongGood(good, {
          ...invalid,
          payload: { ...invalid.payload, quantity: 0 },
        }),
      });
      await wide.stop();

      expect(mix.deadLetters).toEqual(mix.expectedDeadLetters);
      const rows = await rowsOf(userId);
      expect(rows).toHaveLength(good.length);
      for (const { eventId, payload } of good) {
        expect(rows.filter((row) => row.orderId === payload.orderId)).toEqual([
          expect.objectContaining({ kind: 'ACCEPTED', saleId: payload.saleId, eventId }),
        ]);
      }
    } finally {
      await wide.cleanup();
    }
  });
});

describe('NotificationWriter', () => {
  it('writes a transaction’s notifications in one statement, skips an (order, kind) already there or earlier in the chunk, and tells the feed of each new row only', async () => {
    const listener = new Client({ connectionString: database.url });
    await listener.connect();
    const told: FeedMessage[] = [];
    listener.on('notification', (n) => told.push(JSON.parse(n.payload ?? '') as FeedMessage));
    await listener.query(`LISTEN ${FEED_CHANNEL}`);
    try {
      const userId = uniqueName('user');
      const [a, b] = [orderRef(userId), orderRef(userId)];
      const staged = (ref: typeof a, kind: NewNotification['kind']): NewNotification => ({
        orderId: ref.orderId,
        userId,
        saleId: ref.saleId,
        kind,
        message: `${kind} ${ref.orderId}`,
        eventId: randomUUID(),
      });
      const [existing] = await db.$transaction((tx) => writer.record(tx, [staged(a, 'ACCEPTED')]));
      await waitFor(() => told.length === 1, 'the first row’s feed message');

      const chunk = [
        staged(a, 'ACCEPTED'), // already in the table
        staged(b, 'ACCEPTED'),
        staged(b, 'ACCEPTED'), // the same fact again, under another event id
        staged(a, 'PAID'),
      ];
      let statements = () => 0;
      const ids = await db.$transaction((tx) => {
        const counted = countingCalls(tx, ['$queryRaw', '$executeRaw']);
        statements = counted.calls;
        return writer.record(counted.proxy, chunk);
      });

      expect(statements()).toBe(1);
      expect(ids.map((id) => id !== null)).toEqual([false, true, false, true]);
      const rows = await rowsOf(userId);
      expect(rows.map((r) => [r.orderId, r.kind, r.eventId, r.id])).toEqual([
        [a.orderId, 'ACCEPTED', expect.any(String), existing],
        [b.orderId, 'ACCEPTED', chunk[1]?.eventId, ids[1]],
        [a.orderId, 'PAID', chunk[3]?.eventId, ids[3]],
      ]);
      // One feed message per new row, in staging order, carrying the id the database assigned.
      await waitFor(() => told.length >= 3, 'the chunk’s feed messages');
      expect(told.slice(1).map((m) => [m.item.orderId, m.item.kind, m.item.id])).toEqual([
        [b.orderId, 'ACCEPTED', String(ids[1])],
        [a.orderId, 'PAID', String(ids[3])],
      ]);
      // A message that would come late for the skipped duplicate: give it a round trip.
      await listener.query('SELECT 1');
      expect(told).toHaveLength(3);
    } finally {
      await listener.end();
    }
  });
});

describe('GET /api/users/me/notifications', () => {
  it("lists only the caller's notifications, newest first, bounded by limit", async () => {
    const alice = uniqueName('alice');
    const bob = uniqueName('bob');
    const aliceOrders = [orderRef(alice), orderRef(alice), orderRef(alice)];
    for (const ref of aliceOrders) await publisher.publish(Created, created(ref));
    await publisher.publish(Created, created(orderRef(bob)));
    await waitFor(
      async () => (await db.notification.count({ where: { userId: { in: [alice, bob] } } })) === 4,
      'the four notifications to be recorded',
    );

    const all = await get('/api/users/me/notifications', tokenOf(alice));
    expect(all.statusCode).toBe(200);
    const items = (all.json() as { items: NotificationItem[] }).items;
    expect(items.map((i) => i.orderId)).toEqual(aliceOrders.map((r) => r.orderId).reverse());
    expect(items[0]).toMatchObject({ kind: 'ACCEPTED', message: expect.any(String) });

    const two = await get('/api/users/me/notifications?limit=2', tokenOf(alice));
    expect((two.json() as { items: NotificationItem[] }).items.map((i) => i.id)).toEqual(
      items.slice(0, 2).map((i) => i.id),
    );
    const bobs = await get('/api/users/me/notifications', tokenOf(bob));
    expect((bobs.json() as { items: NotificationItem[] }).items).toHaveLength(1);
  });

  it.each(['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'limit=-1', 'userId=someone'])(
    'answers ?%s with 400 VALIDATION_FAILED problem+json',
    async (query) => {
      const answer = await get(`/api/users/me/notifications?${query}`, tokenOf('u-1'));
      expect(answer.statusCode).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.json()).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    },
  );

  it('answers no token with 401 problem+json, on the list and the stream', async () => {
    for (const url of ['/api/users/me/notifications', '/api/users/me/notifications/stream']) {
      const answer = await get(url);
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });
});

/** A Server-Sent Events client over fetch, collecting what it reads. */
class SseClient {
  readonly events: { id?: string; event?: string; data: string }[] = [];
  readonly comments: string[] = [];
  status = 0;
  contentType = '';
  ended = false;
  private buffer = '';
  private readonly abort = new AbortController();
  private reading: Promise<void> = Promise.resolve();

  static async open(token: string, lastEventId?: string): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(`${baseUrl}/api/users/me/notifications/stream`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal: client.abort.signal,
    });
    client.status = response.status;
    client.contentType = response.headers.get('content-type') ?? '';
    if (!response.body) throw new Error('no body');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    client.reading = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          client.take(decoder.decode(value, { stream: true }));
        }
      } catch {
        // aborted by close()
      }
      client.ended = true;
    })();
    // The first frame (retry:) comes once the stream is subscribed to the feed.
    await waitFor(() => client.sawRetry || client.ended, 'the stream to open');
    return client;
  }

  private sawRetry = false;

  private take(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: { id?: string; event?: string; data: string } = { data: '' };
      let isEvent = false;
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('retry:')) this.sawRetry = true;
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('data: ')) {
          event.data = line.slice(6);
          isEvent = true;
        }
      }
      if (isEvent) this.events.push(event);
    }
  }

  items(): NotificationItem[] {
    return this.events.map((e) => JSON.parse(e.data) as NotificationItem);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.reading;
  }

  async finished(): Promise<void> {
    await this.reading;
  }
}

describe('GET /api/users/me/notifications/stream', () => {
  it('sends a connected user each notification committed after it connected, and only theirs', async () => {
    const carol = uniqueName('carol');
    const dave = uniqueName('dave');
    const stream = await SseClient.open(tokenOf(carol));
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      const ref = orderRef(carol);
      // Dave's first, on the same partition: committed (and notified) before Carol's.
      await publisher.publish(Created, created(orderRef(dave)));
      await publisher.publish(Created, created(ref));
      // The same order's order.created again (another event id, as after a replay upstream):
      // no second ACCEPTED row, so nothing on the feed either.
      await publisher.publish(Created, created(ref));
      await publisher.publish(Shipped, shipped(ref));
      // Notifications reach the feed in commit order: once SHIPPED is here, so is anything before.
      await waitFor(
        () => stream.items().some((item) => item.kind === 'SHIPPED'),
        'the shipment on the stream',
      );

      const row = await db.notification.findUniqueOrThrow({
        where: { orderId_kind: { orderId: ref.orderId, kind: 'ACCEPTED' } },
      });
      const items = stream.items();
      expect(items.map((i) => i.orderId)).toEqual([ref.orderId, ref.orderId]);
      expect(items.map((i) => i.kind).sort()).toEqual(['ACCEPTED', 'SHIPPED']);
      expect(items.find((i) => i.kind === 'ACCEPTED')).toEqual({
        id: row.id.toString(),
        orderId: ref.orderId,
        saleId: ref.saleId,
        kind: 'ACCEPTED',
        message: row.message,
        createdAt: row.createdAt.toISOString(),
      });
      expect(stream.events.every((e) => e.event === 'notification' && e.id)).toBe(true);
      // A heartbeat comment arrives while the stream is idle (every SSE_HEARTBEAT_MS, 1 s here).
      await waitFor(() => stream.comments.includes('heartbeat'), 'a heartbeat comment');
    } finally {
      await stream.close();
    }
  });

  it('replays what a reconnecting client missed after its Last-Event-ID, then goes live', async () => {
    const erin = uniqueName('erin');
    const first = orderRef(erin);
    const missed = orderRef(erin);
    await publisher.publish(Created, created(first));
    await publisher.publish(Created, created(missed));
    await waitFor(
      async () => (await rowsOf(erin)).length === 2,
      "erin's two notifications to be recorded",
    );
    const [seen] = await rowsOf(erin);
    const stream = await SseClient.open(tokenOf(erin), seen?.id.toString());
    try {
      const live = orderRef(erin);
      await publisher.publish(Created, created(live));
      await waitFor(() => stream.events.length >= 2, 'the missed and the live notification');
      expect(stream.items().map((i) => i.orderId)).toEqual([missed.orderId, live.orderId]);
    } finally {
      await stream.close();
    }
  });

  it('lets go of a stream when its client disconnects', async () => {
    const feed = app.get(NotificationFeed);
    // The earlier tests' clients disconnected too.
    await waitFor(() => feed.openStreams === 0, 'the earlier streams to be let go');
    const stream = await SseClient.open(tokenOf(uniqueName('frank')));
    expect(feed.openStreams).toBe(1);
    await stream.close();
    await waitFor(() => feed.openStreams === 0, 'the stream to be let go');
  });

  it('refuses a malformed Last-Event-ID with 400', async () => {
    const answer = await app.inject({
      method: 'GET',
      url: '/api/users/me/notifications/stream',
      headers: { authorization: `Bearer ${tokenOf('u-1')}`, 'last-event-id': 'abc' },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  // Last: it closes the application.
  it('ends open streams cleanly when the service shuts down', async () => {
    const stream = await SseClient.open(tokenOf(uniqueName('grace')));
    closed = true;
    await group.stop();
    await app.close();
    await stream.finished();
    expect(stream.ended).toBe(true);
  });
});
