import { DynamicModule, Module } from '@nestjs/common';
import { RedisModule } from '@seckill/redis';
import { GatewayConfig } from './config';
import { OrderServiceClient } from './order-service.client';
import { GATEWAY_CONFIG } from './tokens';

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [RedisModule.forRoot({ url: config.REDIS_URL })],
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }, OrderServiceClient],
    };
  }
}
