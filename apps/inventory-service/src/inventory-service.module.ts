import { DynamicModule, Module } from '@nestjs/common';
import { ConsumerGroup } from '@seckill/contracts';
import { KafkaModule } from '@seckill/kafka';
import { PersistenceModule } from '@seckill/persistence';
import { InventoryServiceConfig, SERVICE } from './config';
import { InventoryDatabase } from './database';
import { OrderCancelledIntegrationEventHandler } from './reservations/order-cancelled.handler';
import { OrderCreatedIntegrationEventHandler } from './reservations/order-created.handler';
import { PaymentFailedIntegrationEventHandler } from './reservations/payment-failed.handler';
import { ReservationsModule } from './reservations/reservations.module';
import { SalePublishedIntegrationEventHandler } from './sales/sale-published.handler';
import { SyncModule } from './sync/sync.module';

@Module({})
export class InventoryServiceModule {
  static register(config: InventoryServiceConfig): DynamicModule {
    return {
      module: InventoryServiceModule,
      imports: [
        PersistenceModule.forRoot({
          client: InventoryDatabase,
          databaseUrl: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          create: (adapter) => new InventoryDatabase({ adapter }),
          messaging: {},
        }),
        KafkaModule.forRoot({ clientId: SERVICE, brokers: config.KAFKA_BROKERS }),
        ReservationsModule,
        // The synchronous baseline's internal HTTP routes (ADR 0012): no consumer, no outbox.
        SyncModule,
        KafkaModule.forConsumer({
          groupId: ConsumerGroup.Inventory,
          maxEventsPerSecond: config.CONSUMER_MAX_EVENTS_PER_SECOND,
          retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
          handlers: [
            SalePublishedIntegrationEventHandler,
            OrderCreatedIntegrationEventHandler,
            PaymentFailedIntegrationEventHandler,
            OrderCancelledIntegrationEventHandler,
          ],
        }),
      ],
    };
  }
}
