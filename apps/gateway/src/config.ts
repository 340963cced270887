import { z } from 'zod';
import { authConfig, httpUpstreamConfig, redisConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'gateway';

const tokensPerSecond = z.coerce
  .number({ message: 'must be a number of tokens per second' })
  .positive('must be a positive number of tokens per second');
const burst = z.coerce
  .number({ message: 'must be a whole number of tokens' })
  .int('must be a whole number of tokens')
  .min(1, 'must be at least 1 token');

/** Every variable the gateway reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...redisConfig,
  ...authConfig,
  ...httpUpstreamConfig('ORDER_SERVICE_URL'),
  /**
   * notification-service, for /api/users/me/notifications (+ /stream). Defaulted, unlike
   * order-service: the shop sells without it, so it is not part of the gateway's readiness.
   */
  NOTIFICATION_SERVICE_URL: httpUpstreamConfig(
    'NOTIFICATION_SERVICE_URL',
  ).NOTIFICATION_SERVICE_URL.default('http://127.0.0.1:3005'),
  /** Whole deadline of one forwarded request: waiting for a socket, connecting, the answer. */
  UPSTREAM_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int()
    .min(50, 'must be at least 50 ms')
    .default(2000),
  /** Keep-alive sockets to order-service; further requests queue (within their deadline). */
  UPSTREAM_CONNECTIONS: z.coerce
    .number({ message: 'must be a number of connections' })
    .int()
    .min(1, 'must be at least 1')
    .max(1024, 'must be at most 1024')
    .default(64),
  /** POST /api/auth/dev-token signs tokens for anyone: for local runs and load tests only. */
  DEV_TOKEN_ENABLED: z.stringbool({ error: 'must be true or false' }).default(false),
  /** Per sale, shared by all users and all gateway instances: what order-service is sent. */
  RATE_LIMIT_GLOBAL_RATE: tokensPerSecond.default(2000),
  RATE_LIMIT_GLOBAL_BURST: burst.default(2000),
  /** Per user per sale: a double click and a retry pass at once, then one request a second. */
  RATE_LIMIT_USER_RATE: tokensPerSecond.default(1),
  RATE_LIMIT_USER_BURST: burst.default(3),
});

export type GatewayConfig = z.infer<typeof configSchema>;

/** Largest request body the gateway accepts; the biggest valid one (a sale) is far smaller. */
export const BODY_LIMIT_BYTES = 4 * 1024;
