import { DynamicModule, Module } from '@nestjs/common';
import type { ISocketFactory } from 'kafkajs';
import { JwtCodec } from '@seckill/auth';
import { KafkaConnection, KafkaModule } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { ConsumerGroup, OrderCancelledV1, Topic } from '@seckill/contracts';
import { OutboxRelayHost, PersistenceModule } from '@seckill/persistence';
import { AdmissionScript, RedisConnection, RedisModule } from '@seckill/redis';
import { ORDER_SERVICE_CONFIG, OrderServiceConfig, SERVICE } from './config';
import { OrderDatabase } from './database';
import { CATALOGUE_EVENTS, ProducedEvents } from './events';
import { AuthGuard } from '@seckill/service-kit';
import { AdmissionService } from './orders/admission.service';
import { HotPathActivity } from './orders/hot-path-activity';
import { HotPathRedis } from './orders/hot-path-redis';
import { DeadlineSweeper } from './lifecycle/deadline-sweeper';
import { LIFECYCLE_HANDLERS } from './lifecycle/lifecycle.handlers';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { OrderHandoff } from './orders/order-handoff';
import { OrderQueries } from './orders/order-queries';
import { OrdersController } from './orders/orders.controller';
import { SalePrices } from './orders/sale-prices';
import { OutboxRelays } from './outbox/outbox-relays';
import { SaleStockLoader } from './sales/sale-stock.loader';
import { SalesController } from './sales/sales.controller';
import { SalesService } from './sales/sales.service';
import { SyncCalls } from './sync/sync-calls';
import { SyncOrderFlow } from './sync/sync-order-flow';
import { SyncSales } from './sync/sync-sales';

/** What tests swap: the topics the events go to, and the sockets to the broker (an outage). */
export interface OrderServiceOverrides {
  readonly events?: ProducedEvents;
  readonly kafkaSocketFactory?: ISocketFactory;
  /**
   * Whether the `order-service` group consumes the saga's events (default true). Tests that
   * drive the service over HTTP only turn it off: the group would join the shared broker's
   * catalogue topics. The lifecycle handlers have integration tests of their own.
   */
  readonly consumeLifecycle?: boolean;
}

@Module({})
export class OrderServiceModule {
  static register(
    config: OrderServiceConfig,
    overrides: OrderServiceOverrides = {},
  ): DynamicModule {
    const hotPath = new HotPathActivity();
    return {
      module: OrderServiceModule,
      imports: [
        PersistenceModule.forRoot({
          client: OrderDatabase,
          databaseUrl: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          create: (adapter) => new OrderDatabase({ adapter }),
          // The generic relay of outbox_events (sale.published, order.cancelled) and the
          // consumer's ConsumerStore (inbox, outbox in the handler's transaction).
          messaging: { relayIntervalMs: config.OUTBOX_RELAY_INTERVAL_MS },
        }),
        KafkaModule.forRoot({
          clientId: SERVICE,
          brokers: config.KAFKA_BROKERS,
          socketFactory: overrides.kafkaSocketFactory,
        }),
        RedisModule.forRoot({ url: config.REDIS_URL }),
        LifecycleModule,
        ...(overrides.consumeLifecycle === false
          ? []
          : [
              KafkaModule.forConsumer({
                groupId: ConsumerGroup.Order,
                handlers: [...LIFECYCLE_HANDLERS],
                maxEventsPerSecond: config.CONSUMER_MAX_EVENTS_PER_SECOND,
                retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
                // Admission needs Redis and Kafka's producer, not the read model: a restarted
                // order-service sells at once while its group joins, and in a spike the read
                // model slows down to leave admission the event loop (lag is the buffer).
                gatesReadiness: false,
                yieldTo: {
                  busy: () => hotPath.busy,
                  maxEventsPerSecond: config.READ_MODEL_EVENTS_PER_SECOND_WHILE_SELLING,
                },
              }),
            ]),
      ],
      controllers: [SalesController, OrdersController],
      providers: [
        { provide: ORDER_SERVICE_CONFIG, useValue: config },
        { provide: HotPathActivity, useValue: hotPath },
        { provide: ProducedEvents, useValue: overrides.events ?? CATALOGUE_EVENTS },
        { provide: JwtCodec, useValue: new JwtCodec(config.JWT_SECRET) },
        AuthGuard,
        HotPathRedis,
        {
          provide: AdmissionScript,
          inject: [HotPathRedis],
          useFactory: (redis: HotPathRedis) => new AdmissionScript(redis.client),
        },
        {
          provide: SalePrices,
          inject: [HotPathRedis],
          useFactory: (redis: HotPathRedis) => new SalePrices(redis.client),
        },
        {
          provide: OrderQueries,
          inject: [OrderDatabase, RedisConnection],
          useFactory: (db: OrderDatabase, redis: RedisConnection) =>
            new OrderQueries(db, redis.client),
        },
        {
          provide: DeadlineSweeper,
          inject: [OrderDatabase, ServiceLogger, OutboxRelayHost, KafkaConnection],
          useFactory: (
            db: OrderDatabase,
            logger: ServiceLogger,
            relay: OutboxRelayHost,
            kafka: KafkaConnection,
          ) =>
            new DeadlineSweeper(db, logger.child({ component: 'deadline-sweeper' }), {
              deadlineMs: config.ORDER_PAYMENT_DEADLINE_MS,
              holdMs: config.ORDER_DEADLINE_HOLD_MS,
              intervalMs: config.ORDER_DEADLINE_SWEEP_INTERVAL_MS,
              batchSize: 200,
              nextSteps: {
                pending: { topic: Topic.OrderCreated, groupId: ConsumerGroup.Inventory },
                reserved: { topic: Topic.InventoryReserved, groupId: ConsumerGroup.Payment },
              },
              offsets: kafka,
              cancelled: OrderCancelledV1,
              onOutboxCommitted: () => relay.relay.wake(),
            }),
        },
        {
          provide: OrderHandoff,
          inject: [KafkaConnection, HotPathRedis, ServiceLogger, MetricsRegistry],
          useFactory: (
            kafka: KafkaConnection,
            redis: HotPathRedis,
            logger: ServiceLogger,
            metrics: MetricsRegistry,
          ) =>
            new OrderHandoff(kafka.publisher, redis.client, logger, metrics, {
              timeoutMs: config.ORDER_PUBLISH_TIMEOUT_MS,
            }),
        },
        AdmissionService,
        SyncSales,
        SyncOrderFlow,
        {
          provide: SyncCalls,
          inject: [MetricsRegistry],
          useFactory: (metrics: MetricsRegistry) =>
            new SyncCalls(
              {
                urls: {
                  'inventory-service': config.INVENTORY_SERVICE_URL,
                  'payment-service': config.PAYMENT_SERVICE_URL,
                  'logistics-service': config.LOGISTICS_SERVICE_URL,
                },
                timeoutMs: config.SYNC_CALL_TIMEOUT_MS,
                connections: config.SYNC_CALL_CONNECTIONS,
              },
              metrics,
            ),
        },
        OutboxRelays,
        SalesService,
        SaleStockLoader,
      ],
    };
  }
}
