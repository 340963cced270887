import { DynamicModule, Module } from '@nestjs/common';
import { ConsumerGroup } from '@seckill/contracts';
import { KafkaModule } from '@seckill/kafka';
import { PersistenceModule } from '@seckill/persistence';
import { PaymentServiceConfig, SERVICE } from './config';
import { PaymentDatabase } from './database';
import { InventoryReservedIntegrationEventHandler } from './payments/inventory-reserved.handler';
import { OrderCancelledIntegrationEventHandler } from './payments/order-cancelled.handler';
import { PaymentProviderModule } from './payments/payment-provider.module';
import { SyncModule } from './sync/sync.module';

@Module({})
export class PaymentServiceModule {
  static register(config: PaymentServiceConfig): DynamicModule {
    return {
      module: PaymentServiceModule,
      imports: [
        PersistenceModule.forRoot({
          client: PaymentDatabase,
          databaseUrl: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          create: (adapter) => new PaymentDatabase({ adapter }),
          messaging: {},
        }),
        KafkaModule.forRoot({ clientId: SERVICE, brokers: config.KAFKA_BROKERS }),
        PaymentProviderModule.register(config),
        // The synchronous baseline's internal HTTP routes (ADR 0012): no consumer, no outbox.
        SyncModule,
        // A capture worker (PAYMENT_CONSUMER_ENABLED=false) only runs the capturer and the relay.
        ...(config.PAYMENT_CONSUMER_ENABLED
          ? [
              KafkaModule.forConsumer({
                groupId: ConsumerGroup.Payment,
                maxEventsPerSecond: config.CONSUMER_MAX_EVENTS_PER_SECOND,
                retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
                handlers: [
                  InventoryReservedIntegrationEventHandler,
                  OrderCancelledIntegrationEventHandler,
                ],
              }),
            ]
          : []),
      ],
    };
  }
}
