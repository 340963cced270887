import { z } from 'zod';
import { databaseConfig, kafkaConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'inventory-service';

/** Every variable inventory-service reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...databaseConfig,
  ...kafkaConfig,
});

export type InventoryServiceConfig = z.infer<typeof configSchema>;
