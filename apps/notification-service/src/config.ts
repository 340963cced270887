import { z } from 'zod';
import { authConfig, databaseConfig, kafkaConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'notification-service';

/** Every variable notification-service reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...databaseConfig,
  ...kafkaConfig,
  /** Verifies the callers' tokens (the gateway's secret): a user sees only their own notifications. */
  ...authConfig,
  /**
   * A comment line on every open SSE stream this often, so proxies and load balancers do not
   * close an idle one, and a client notices a dead connection.
   */
  SSE_HEARTBEAT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(1000, 'must be at least 1000 ms')
    .default(15000),
});

export type NotificationServiceConfig = z.infer<typeof configSchema>;

/** The validated configuration, as an injection token. */
export const NOTIFICATION_SERVICE_CONFIG = Symbol('NotificationServiceConfig');
