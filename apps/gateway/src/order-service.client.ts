import { Inject, Injectable } from '@nestjs/common';
import { ReadinessRegistry } from '@seckill/service-kit';
import { GATEWAY_CONFIG } from './tokens';
import type { GatewayConfig } from './config';

/** The gateway's only upstream. Forwarding (keep-alive, timeouts) arrives with the hot path. */
@Injectable()
export class OrderServiceClient {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    readiness: ReadinessRegistry,
  ) {
    readiness.register('order-service', () => this.checkLive());
  }

  private async checkLive(): Promise<void> {
    const response = await fetch(new URL('/health/live', this.config.ORDER_SERVICE_URL), {
      signal: AbortSignal.timeout(this.config.UPSTREAM_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`order-service answered ${response.status}`);
  }
}
