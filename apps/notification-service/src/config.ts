import { z } from 'zod';
import { databaseConfig, kafkaConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'notification-service';

/** Every variable notification-service reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...databaseConfig,
  ...kafkaConfig,
});

export type NotificationServiceConfig = z.infer<typeof configSchema>;
