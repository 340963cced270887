import { DynamicModule, Module } from '@nestjs/common';
import { KafkaModule } from '@seckill/kafka';
import { PersistenceModule } from '@seckill/persistence';
import { RedisModule } from '@seckill/redis';
import { OrderServiceConfig, SERVICE } from './config';
import { OrderDatabase } from './database';

@Module({})
export class OrderServiceModule {
  static register(config: OrderServiceConfig): DynamicModule {
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
        KafkaModule.forRoot({ clientId: SERVICE, brokers: config.KAFKA_BROKERS }),
        RedisModule.forRoot({ url: config.REDIS_URL }),
      ],
    };
  }
}
