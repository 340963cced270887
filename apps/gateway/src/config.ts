import { z } from 'zod';
import {
  authConfig,
  httpUpstreamConfig,
  redisConfig,
  serviceBaseConfig,
  count,
  milliseconds,
} from '@seckill/config';

export const SERVICE = 'gateway';

const tokensPerSecond = z.coerce
  .number({ message: 'must be a number of tokens per second' })
  .positive('must be a positive number of tokens per second');
const burst = z.coerce
  .number({ message: 'must be a whole number of tokens' })
  .int('must be a whole number of tokens')
  .min(1, 'must be at least 1 token');

/** Every variable the gateway reads; validated before the DI container is built. */
export const configSchema = z
  .object({
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
    UPSTREAM_TIMEOUT_MS: milliseconds(50, 2000),
    /** Keep-alive sockets to order-service; at least UPSTREAM_MAX_IN_FLIGHT. */
    UPSTREAM_CONNECTIONS: count('connections', 1, 128, 1024),
    /**
     * Purchases in flight to order-service at most (the concurrency limit); more wait briefly
     * for a slot or are answered 503 OVERLOADED. Sized from measurement (docs/benchmarks.md).
     */
    UPSTREAM_MAX_IN_FLIGHT: count('requests', 1, 128),
    /** Purchases waiting for an in-flight slot at most; beyond it they are shed at once. */
    UPSTREAM_MAX_WAITING: count('requests', 0, 2000),
    /**
     * The queue stands (overload, not a burst) when no purchase got its slot within
     * UPSTREAM_STANDING_QUEUE_WAIT_MS for this long; then purchases wait that short time at most,
     * and are shed at the door while every slot is taken (CoDel; src/concurrency-limiter.ts).
     */
    UPSTREAM_STANDING_QUEUE_AFTER_MS: milliseconds(1, 100),
    UPSTREAM_STANDING_QUEUE_WAIT_MS: milliseconds(0, 10),
    /**
     * A purchase's whole budget from arrival: waiting for a slot, order-service's admission and
     * its answer. order-service admits nothing after it (it travels as x-seckill-deadline).
     */
    PURCHASE_DEADLINE_MS: milliseconds(50, 1000),
    /**
     * How long after the deadline the gateway still waits for order-service's answer before it
     * says OUTCOME_UNKNOWN: an admission decided just before the deadline is still answered.
     */
    PURCHASE_ANSWER_GRACE_MS: milliseconds(10, 1000),
    /**
     * While the event loop runs this much later than it should, purchases are shed at the door
     * (503 OVERLOADED): the crowd is queueing in sockets, where no deadline sees it, and a buyer
     * whose client gives up before the answer cannot know what happened.
     */
    SHED_EVENT_LOOP_LAG_MS: milliseconds(10, 200),
    /**
     * Requests the gateway sends to its own purchase route when it starts, before it reports
     * ready, so the first crowd meets compiled code (src/warm-up.ts); 0 turns the warm-up off.
     */
    WARM_UP_REQUESTS: count('requests', 0, 3000),
    /** POST /api/auth/dev-token signs tokens for anyone: for local runs and load tests only. */
    DEV_TOKEN_ENABLED: z.stringbool({ error: 'must be true or false' }).default(false),
    /**
     * Per sale, shared by all users and all gateway instances: what order-service is sent. The
     * rate sits above the admission capacity the benchmark measures (the concurrency limit, not
     * the bucket, is what protects order-service); the burst is ~0.2 s of it, so an instant
     * crowd gets a quick 429 instead of a queue (docs/benchmarks.md).
     */
    RATE_LIMIT_GLOBAL_RATE: tokensPerSecond.default(1500),
    RATE_LIMIT_GLOBAL_BURST: burst.default(300),
    /** Per user per sale: a double click and a retry pass at once, then one request a second. */
    RATE_LIMIT_USER_RATE: tokensPerSecond.default(1),
    RATE_LIMIT_USER_BURST: burst.default(3),
  })
  .refine((config) => config.UPSTREAM_CONNECTIONS >= config.UPSTREAM_MAX_IN_FLIGHT, {
    message: 'must be at least UPSTREAM_MAX_IN_FLIGHT (each request in flight needs a socket)',
    path: ['UPSTREAM_CONNECTIONS'],
  });

export type GatewayConfig = z.infer<typeof configSchema>;

/** Largest request body the gateway accepts; the biggest valid one (a sale) is far smaller. */
export const BODY_LIMIT_BYTES = 4 * 1024;
