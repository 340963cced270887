import { z } from 'zod';
import { httpUpstreamConfig, redisConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'gateway';

/** Every variable the gateway reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...redisConfig,
  ...httpUpstreamConfig('ORDER_SERVICE_URL'),
  UPSTREAM_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int()
    .min(50, 'must be at least 50 ms')
    .default(2000),
});

export type GatewayConfig = z.infer<typeof configSchema>;
