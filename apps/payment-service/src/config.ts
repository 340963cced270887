import { z } from 'zod';
import { databaseConfig, kafkaConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'payment-service';

/** Every variable payment-service reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...databaseConfig,
  ...kafkaConfig,
});

export type PaymentServiceConfig = z.infer<typeof configSchema>;
