import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { JwtCodec, type Role } from '@seckill/auth';
import { loadConfig } from '@seckill/config';
import {
  type CreateSaleRequest,
  defineEvent,
  type EnvelopeOf,
  OrderCreatedV1,
  SalePublishedV1,
  type SaleResponse,
  type TopicName,
} from '@seckill/contracts';
import { type LogLevel, ServiceLogger } from '@seckill/observability';
import { createPgAdapter, ScratchDatabase } from '@seckill/persistence';
import { orderIndexKey, OUTBOX_STREAMS_KEY, saleKeys } from '@seckill/redis';
import { createServiceApp } from '@seckill/service-kit';
import { postgresServerUrl, testEndpoints, uniqueName, waitFor } from '@seckill/testing';
import { configSchema, type OrderServiceConfig, SERVICE } from '../config';
import { OrderDatabase } from '../database';
import type { ProducedEvents } from '../events';
import { OrderServiceModule } from '../order-service.module';

export const TEST_JWT_SECRET = 'order-service-integration-test-secret-0123456789';

export interface HarnessOptions {
  /** Environment variables on top of the test defaults (strings, as the service reads them). */
  readonly env?: Partial<Record<keyof OrderServiceConfig, string>>;
  /** Sockets to the broker; a BrokerSwitch's simulates an outage. */
  readonly kafkaSocketFactory?: ISocketFactory;
}

export interface HttpAnswer<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Record<string, unknown>;
}

/**
 * order-service as the service builds it (createServiceApp + OrderServiceModule), on the real
 * PostgreSQL, Redis and Kafka, isolated from every other test: a database of its own (migrated
 * with the service's migrations), its events on topics of its own, random sale ids (so keys of
 * their own), and its own test clients to look at Redis and Kafka.
 */
export class OrderServiceHarness {
  private readonly codec = new JwtCodec(TEST_JWT_SECRET, 3600);
  private readonly admin;

  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: OrderServiceConfig,
    readonly events: ProducedEvents,
    readonly redis: Redis,
    readonly kafka: Kafka,
    private readonly database: ScratchDatabase,
  ) {
    this.admin = kafka.admin();
  }

  static async start(options: HarnessOptions = {}): Promise<OrderServiceHarness> {
    const endpoints = testEndpoints();
    const database = await ScratchDatabase.create({
      serverUrl: postgresServerUrl(endpoints),
      prefix: 'order_it',
      prismaDir: path.join(__dirname, '..', '..', 'prisma'),
    });

    const kafka = new Kafka({
      clientId: 'order-service-it',
      brokers: [...endpoints.kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    const events: ProducedEvents = {
      salePublished: defineEvent({
        ...SalePublishedV1,
        topic: uniqueName('it.sale.published') as TopicName,
      }),
      orderCreated: defineEvent({
        ...OrderCreatedV1,
        topic: uniqueName('it.order.created') as TopicName,
      }),
    };
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [events.salePublished.topic, events.orderCreated.topic].map((topic) => ({
        topic,
        numPartitions: 3,
        replicationFactor: 1,
      })),
    });
    await admin.disconnect();

    const config = loadConfig(SERVICE, configSchema, {
      PORT: '3999',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.IT_LOG_LEVEL ?? 'error',
      DATABASE_URL: database.url,
      REDIS_URL: endpoints.redisUrl,
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      JWT_SECRET: TEST_JWT_SECRET,
      ...options.env,
    });
    const app = await createServiceApp(
      {
        service: SERVICE,
        config,
        module: OrderServiceModule.register(config, {
          events,
          kafkaSocketFactory: options.kafkaSocketFactory,
          // Not on the shared broker's catalogue topics; src/lifecycle tests its consumers.
          consumeLifecycle: false,
        }),
      },
      ServiceLogger.create(SERVICE, config.LOG_LEVEL as LogLevel),
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const redis = new Redis(endpoints.redisUrl);
    return new OrderServiceHarness(app, config, events, redis, kafka, database);
  }

  token(userId: string, role: Role = 'user'): string {
    return this.codec.sign({ userId, role });
  }

  async request<T = unknown>(options: {
    method: 'GET' | 'POST';
    url: string;
    token?: string;
    headers?: Record<string, string>;
    body?: unknown;
  }): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await this.app.inject({
      method: options.method,
      url: options.url,
      headers,
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
    return {
      status: response.statusCode,
      body: (response.body ? response.json() : undefined) as T,
      headers: response.headers,
    };
  }

  /** A sale through the admin API; open now for an hour, unless told otherwise. */
  async createSale(sale: Partial<CreateSaleRequest> = {}): Promise<SaleResponse> {
    const now = Date.now();
    const answer = await this.request<SaleResponse>({
      method: 'POST',
      url: '/api/admin/sales',
      token: this.token('admin-1', 'admin'),
      body: {
        name: 'Integration test phone',
        price: 1999,
        stock: 10,
        startsAt: new Date(now - 60_000).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        perUserLimit: 1,
        ...sale,
      },
    });
    if (answer.status !== 201) throw new Error(`sale not created: ${JSON.stringify(answer)}`);
    return answer.body;
  }

  placeOrder(
    saleId: string,
    userId: string,
    options: { quantity?: number; idempotencyKey?: string; deadline?: number } = {},
  ): Promise<HttpAnswer<Record<string, unknown>>> {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    if (options.deadline !== undefined) headers['x-seckill-deadline'] = String(options.deadline);
    return this.request({
      method: 'POST',
      url: `/api/sales/${saleId}/orders`,
      token: this.token(userId),
      headers,
      body: options.quantity === undefined ? undefined : { quantity: options.quantity },
    });
  }

  /** How many messages a topic holds (sum of its partitions' high watermarks). */
  async messageCount(topic: string): Promise<number> {
    await this.admin.connect();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  }

  /**
   * The `order.created` events of one sale, read from the start of the test's topic until
   * `count` of them arrived (more may follow: callers compare counts themselves).
   */
  async orderCreatedEvents(
    saleId: string,
    count: number,
  ): Promise<EnvelopeOf<typeof OrderCreatedV1>[]> {
    const consumer = this.kafka.consumer({ groupId: uniqueName('it-reader') });
    const events: EnvelopeOf<typeof OrderCreatedV1>[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [this.events.orderCreated.topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const event = JSON.parse(String(message.value)) as EnvelopeOf<typeof OrderCreatedV1>;
          if (event.payload.saleId === saleId) events.push(event);
        },
      });
      await waitFor(() => events.length >= count, `${count} order.created events of ${saleId}`);
      return events;
    } finally {
      await consumer.disconnect();
    }
  }

  /** A client of the test's own database, for assertions; the caller disconnects it. */
  openDatabase(): OrderDatabase {
    return new OrderDatabase({
      adapter: createPgAdapter(this.config.DATABASE_URL, { poolSize: 2 }),
    });
  }

  /** Stops the service, then removes everything the test left: keys, topics, database. */
  async close(): Promise<void> {
    await this.app.close();
    await this.forgetSales();
    await this.admin.connect();
    await this.admin
      .deleteTopics({ topics: [this.events.salePublished.topic, this.events.orderCreated.topic] })
      .catch(() => undefined);
    await this.admin.disconnect();
    await this.database.drop();
    this.redis.disconnect();
  }

  private async forgetSales(): Promise<void> {
    const db = this.openDatabase();
    try {
      for (const { id } of await db.sale.findMany({ select: { id: true } })) {
        const keys = saleKeys(id);
        const orderIds = await this.redis.hkeys(keys.orders);
        const idempotencyKeys = await this.redis.keys(`{sale:${id}}:idem:*`);
        const userOrders = await this.redis.keys(`{sale:${id}}:user-orders:*`);
        await this.redis.srem(OUTBOX_STREAMS_KEY, keys.outbox);
        await this.redis.del(
          keys.meta,
          keys.stock,
          keys.buyers,
          keys.orders,
          keys.outbox,
          ...idempotencyKeys,
          ...userOrders,
          ...orderIds.map(orderIndexKey),
        );
      }
    } finally {
      await db.$disconnect();
    }
  }
}
