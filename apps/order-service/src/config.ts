import { z } from 'zod';
import {
  authConfig,
  databaseConfig,
  kafkaConfig,
  redisConfig,
  serviceBaseConfig,
  count,
  httpUpstreamConfig,
  milliseconds,
} from '@seckill/config';

export const SERVICE = 'order-service';

/** Every variable order-service reads; validated before the DI container is built. */
export const configSchema = z.object({
  ...serviceBaseConfig,
  ...databaseConfig,
  ...kafkaConfig,
  ...redisConfig,
  ...authConfig,
  /**
   * How long a purchase waits for Kafka's ack of its `order.created` before answering 202
   * anyway: the order is already safe in the sale's Redis outbox stream, and the publish goes on
   * (or the stream relay takes it). Half the hot path's 100 ms p99 budget: a broker busy serving
   * the saga's consumers must not set the buyers' latency (ADR 0010).
   */
  ORDER_PUBLISH_TIMEOUT_MS: milliseconds(10, 50),
  /** Outbox stream entries older than this are re-published by the stream relay. */
  OUTBOX_STREAM_MIN_AGE_MS: milliseconds(100, 5000),
  /** Pause between runs of the outbox relays (Postgres outbox and Redis streams). */
  OUTBOX_RELAY_INTERVAL_MS: milliseconds(10, 1000),
  /**
   * An order still PENDING or RESERVED (not paid) this long after it was accepted is cancelled
   * (`order.cancelled`, PAYMENT_DEADLINE_EXPIRED) and its stock released. 15 minutes.
   */
  ORDER_PAYMENT_DEADLINE_MS: milliseconds(100, 15 * 60 * 1000),
  /**
   * The read model's rate (events/s) while purchases are being admitted (ADR 0006): admission
   * keeps the event loop in a spike, the read model lags and catches up at
   * CONSUMER_MAX_EVENTS_PER_SECOND once the crowd has passed.
   */
  READ_MODEL_EVENTS_PER_SECOND_WHILE_SELLING: z.coerce
    .number({ message: 'must be a number of events per second' })
    .positive('must be a positive number of events per second')
    .default(200),
  /** Pause between sweeps for orders past their payment deadline. */
  ORDER_DEADLINE_SWEEP_INTERVAL_MS: milliseconds(10, 5000),
  /**
   * An overdue order whose next step its consumer group has not read yet (a backlog) is held,
   * not cancelled, and looked at again after this long; once read, it still has at least this
   * long to be paid (ADR 0008). 1 minute.
   */
  ORDER_DEADLINE_HOLD_MS: milliseconds(10, 60_000),
  /**
   * The synchronous baseline's callees (sales created with `flow: "sync"`, ADR 0012). Defaulted
   * and not part of readiness: the event-driven shop never calls them.
   */
  INVENTORY_SERVICE_URL: upstream('INVENTORY_SERVICE_URL', 'http://127.0.0.1:3002'),
  PAYMENT_SERVICE_URL: upstream('PAYMENT_SERVICE_URL', 'http://127.0.0.1:3003'),
  LOGISTICS_SERVICE_URL: upstream('LOGISTICS_SERVICE_URL', 'http://127.0.0.1:3004'),
  /** The whole budget of one baseline call (the payment provider's retries fit inside it). */
  SYNC_CALL_TIMEOUT_MS: milliseconds(50, 5000),
  /** Keep-alive sockets per callee of the baseline. */
  SYNC_CALL_CONNECTIONS: count('connections', 1, 64, 1024),
});

function upstream(name: string, fallback: string) {
  return httpUpstreamConfig(name)[name].default(fallback);
}

export type OrderServiceConfig = z.infer<typeof configSchema>;

/** The validated configuration, as an injection token. */
export const ORDER_SERVICE_CONFIG = Symbol('OrderServiceConfig');
