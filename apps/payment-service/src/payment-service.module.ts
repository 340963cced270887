import { DynamicModule, Module } from '@nestjs/common';
import { KafkaModule } from '@seckill/kafka';
import { PersistenceModule } from '@seckill/persistence';
import { PaymentServiceConfig, SERVICE } from './config';
import { PaymentDatabase } from './database';

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
        }),
        KafkaModule.forRoot({ clientId: SERVICE, brokers: config.KAFKA_BROKERS }),
      ],
    };
  }
}
