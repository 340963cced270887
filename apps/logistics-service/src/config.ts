import { z } from 'zod';
import { databaseConfig, kafkaConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'logistics-service';

/** Every variable logistics-service reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...databaseConfig,
  ...kafkaConfig,
});

export type LogisticsServiceConfig = z.infer<typeof configSchema>;
