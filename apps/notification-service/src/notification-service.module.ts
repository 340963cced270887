import { DynamicModule, Module } from '@nestjs/common';
import { KafkaModule } from '@seckill/kafka';
import { PersistenceModule } from '@seckill/persistence';
import { NotificationServiceConfig, SERVICE } from './config';
import { NotificationDatabase } from './database';

@Module({})
export class NotificationServiceModule {
  static register(config: NotificationServiceConfig): DynamicModule {
    return {
      module: NotificationServiceModule,
      imports: [
        PersistenceModule.forRoot({
          client: NotificationDatabase,
          databaseUrl: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          create: (adapter) => new NotificationDatabase({ adapter }),
        }),
        KafkaModule.forRoot({ clientId: SERVICE, brokers: config.KAFKA_BROKERS }),
      ],
    };
  }
}
