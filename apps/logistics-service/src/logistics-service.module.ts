import { DynamicModule, Module } from '@nestjs/common';
import { ConsumerGroup } from '@seckill/contracts';
import { KafkaModule } from '@seckill/kafka';
import { PersistenceModule } from '@seckill/persistence';
import { LogisticsServiceConfig, SERVICE } from './config';
import { LogisticsDatabase } from './database';
import { PaymentRefundedIntegrationEventHandler } from './shipments/payment-refunded.handler';
import { PaymentSucceededIntegrationEventHandler } from './shipments/payment-succeeded.handler';
import { ShipmentsModule } from './shipments/shipments.module';
import { SyncModule } from './sync/sync.module';

@Module({})
export class LogisticsServiceModule {
  static register(config: LogisticsServiceConfig): DynamicModule {
    return {
      module: LogisticsServiceModule,
      imports: [
        PersistenceModule.forRoot({
          client: LogisticsDatabase,
          databaseUrl: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          create: (adapter) => new LogisticsDatabase({ adapter }),
          messaging: {},
        }),
        KafkaModule.forRoot({ clientId: SERVICE, brokers: config.KAFKA_BROKERS }),
        ShipmentsModule,
        // The synchronous baseline's internal HTTP route (ADR 0012): no consumer, no outbox.
        SyncModule,
        KafkaModule.forConsumer({
          groupId: ConsumerGroup.Logistics,
          maxEventsPerSecond: config.CONSUMER_MAX_EVENTS_PER_SECOND,
          retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
          handlers: [
            PaymentSucceededIntegrationEventHandler,
            PaymentRefundedIntegrationEventHandler,
          ],
        }),
      ],
    };
  }
}
