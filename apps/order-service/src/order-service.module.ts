import { DynamicModule, Module } from '@nestjs/common';
import type { ISocketFactory } from 'kafkajs';
import { JwtCodec } from '@seckill/auth';
import { KafkaConnection, KafkaModule } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { PersistenceModule } from '@seckill/persistence';
import { AdmissionScript, RedisConnection, RedisModule } from '@seckill/redis';
import { ORDER_SERVICE_CONFIG, OrderServiceConfig, SERVICE } from './config';
import { OrderDatabase } from './database';
import { CATALOGUE_EVENTS, ProducedEvents } from './events';
import { AuthGuard } from '@seckill/service-kit';
import { AdmissionService } from './orders/admission.service';
import { HotPathRedis } from './orders/hot-path-redis';
import { OrderHandoff } from './orders/order-handoff';
import { OrderQueries } from './orders/order-queries';
import { OrdersController } from './orders/orders.controller';
import { SalePrices } from './orders/sale-prices';
import { OutboxRelays } from './outbox/outbox-relays';
import { SaleStockLoader } from './sales/sale-stock.loader';
import { SalesController } from './sales/sales.controller';
import { SalesService } from './sales/sales.service';

/** What tests swap: the topics the events go to, and the sockets to the broker (an outage). */
export interface OrderServiceOverrides {
  readonly events?: ProducedEvents;
  readonly kafkaSocketFactory?: ISocketFactory;
}

@Module({})
export class OrderServiceModule {
  static register(
    config: OrderServiceConfig,
    overrides: OrderServiceOverrides = {},
  ): DynamicModule {
    return {
      module: OrderServiceModule,
      imports: [
        PersistenceModule.forRoot({
          client: OrderDatabase,
          databaseUrl: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          create: (adapter) => new OrderDatabase({ adapter }),
        }),
        KafkaModule.forRoot({
          clientId: SERVICE,
          brokers: config.KAFKA_BROKERS,
          socketFactory: overrides.kafkaSocketFactory,
        }),
        RedisModule.forRoot({ url: config.REDIS_URL }),
      ],
      controllers: [SalesController, OrdersController],
      providers: [
        { provide: ORDER_SERVICE_CONFIG, useValue: config },
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
          inject: [RedisConnection],
          useFactory: (redis: RedisConnection) => new OrderQueries(redis.client),
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
        OutboxRelays,
        SalesService,
        SaleStockLoader,
      ],
    };
  }
}
