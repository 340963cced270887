import { z } from 'zod';
import { databaseConfig, kafkaConfig, redisConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'order-service';

/** Every variable order-service reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...databaseConfig,
  ...kafkaConfig,
  ...redisConfig,
});

export type OrderServiceConfig = z.infer<typeof configSchema>;
