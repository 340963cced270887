import { Global, Module } from '@nestjs/common';
import { RedisConnection, RestockScript } from '@seckill/redis';
import { ReleasedStockRestocker } from './lifecycle.handlers';
import { OrderReadModel } from './order-read-model';

/**
 * What the lifecycle handlers depend on. Global because KafkaModule.forConsumer builds the
 * handlers in a module of its own, which sees only global providers.
 */
@Global()
@Module({
  providers: [
    OrderReadModel,
    ReleasedStockRestocker,
    {
      provide: RestockScript,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => new RestockScript(redis.client),
    },
  ],
  exports: [OrderReadModel, ReleasedStockRestocker, RestockScript],
})
export class LifecycleModule {}
