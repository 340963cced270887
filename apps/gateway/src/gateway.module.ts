import { DynamicModule, Module, Type } from '@nestjs/common';
import { JwtCodec } from '@seckill/auth';
import { ServiceLogger } from '@seckill/observability';
import { RedisConnection, RedisModule } from '@seckill/redis';
import { GatewayConfig } from './config';
import { AdmittedPurchases } from './admitted-purchases';
import { DevTokenController } from './dev-token.controller';
import { DocsController } from './docs.controller';
import { EventLoopLag } from './event-loop-lag';
import { JsonBodiesOnly } from './json-bodies';
import { NotificationServiceClient } from './notification-service.client';
import { NotificationsController } from './notifications.controller';
import { OrderServiceClient } from './order-service.client';
import { PurchaseFrontDoor } from './purchase-front-door';
import { PurchaseRoute } from './purchase.route';
import { SaleRateLimiter } from './rate-limit';
import { ShedAnswers } from './shed-answers';
import { ShopController } from './shop.controller';
import { SoldOutSales, StockChannelListener } from './sold-out';
import { GATEWAY_CONFIG } from './tokens';
import { HotPathWarmUp } from './warm-up';

/** The controllers a gateway with this configuration serves. */
export function gatewayControllers(config: Pick<GatewayConfig, 'DEV_TOKEN_ENABLED'>): Type[] {
  return [
    ShopController,
    NotificationsController,
    DocsController,
    ...(config.DEV_TOKEN_ENABLED ? [DevTokenController] : []),
  ];
}

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [RedisModule.forRoot({ url: config.REDIS_URL, autoPipelining: true })],
      controllers: gatewayControllers(config),
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: JwtCodec, useValue: new JwtCodec(config.JWT_SECRET) },
        JsonBodiesOnly,
        OrderServiceClient,
        NotificationServiceClient,
        SaleRateLimiter,
        SoldOutSales,
        ShedAnswers,
        AdmittedPurchases,
        { provide: EventLoopLag, useFactory: () => new EventLoopLag() },
        PurchaseFrontDoor,
        PurchaseRoute,
        HotPathWarmUp,
        {
          provide: StockChannelListener,
          inject: [RedisConnection, SoldOutSales, ServiceLogger],
          useFactory: (redis: RedisConnection, sales: SoldOutSales, logger: ServiceLogger) =>
            new StockChannelListener(
              redis.client.duplicate({
                autoResubscribe: false,
                connectionName: 'gateway-stock-channel',
              }),
              sales,
              logger,
            ),
        },
      ],
    };
  }
}
