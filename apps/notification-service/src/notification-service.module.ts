import { DynamicModule, Module } from '@nestjs/common';
import { JwtCodec } from '@seckill/auth';
import { ConsumerGroup } from '@seckill/contracts';
import { KafkaModule } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { PersistenceModule } from '@seckill/persistence';
import { AuthGuard, ReadinessRegistry } from '@seckill/service-kit';
import { NOTIFICATION_SERVICE_CONFIG, NotificationServiceConfig, SERVICE } from './config';
import { NotificationDatabase } from './database';
import { NOTIFICATION_HANDLERS } from './notifications/lifecycle.handlers';
import { NotificationFeed } from './notifications/notification-feed';
import { NotificationQueries } from './notifications/notification-queries';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationsModule } from './notifications/notifications.module';

export interface NotificationServiceOverrides {
  /** false: no consumer group (HTTP tests write the rows through a runner of their own). */
  readonly consume?: boolean;
}

@Module({})
export class NotificationServiceModule {
  static register(
    config: NotificationServiceConfig,
    overrides: NotificationServiceOverrides = {},
  ): DynamicModule {
    return {
      module: NotificationServiceModule,
      imports: [
        PersistenceModule.forRoot({
          client: NotificationDatabase,
          databaseUrl: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          create: (adapter) => new NotificationDatabase({ adapter }),
          messaging: {},
        }),
        KafkaModule.forRoot({ clientId: SERVICE, brokers: config.KAFKA_BROKERS }),
        NotificationsModule,
        ...(overrides.consume === false
          ? []
          : [
              KafkaModule.forConsumer({
                groupId: ConsumerGroup.Notification,
                handlers: [...NOTIFICATION_HANDLERS],
                maxEventsPerSecond: config.CONSUMER_MAX_EVENTS_PER_SECOND,
                retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
              }),
            ]),
      ],
      controllers: [NotificationsController],
      providers: [
        { provide: NOTIFICATION_SERVICE_CONFIG, useValue: config },
        { provide: JwtCodec, useValue: new JwtCodec(config.JWT_SECRET) },
        AuthGuard,
        NotificationQueries,
        {
          provide: NotificationFeed,
          inject: [ServiceLogger, MetricsRegistry, ReadinessRegistry],
          useFactory: (
            logger: ServiceLogger,
            metrics: MetricsRegistry,
            readiness: ReadinessRegistry,
          ) => {
            const feed = new NotificationFeed(config.DATABASE_URL, logger, metrics);
            readiness.register('notification-feed', async () => {
              if (!feed.listening) throw new Error('the feed is not listening');
            });
            return feed;
          },
        },
      ],
    };
  }
}
