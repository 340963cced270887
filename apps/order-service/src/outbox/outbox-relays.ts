import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { KafkaConnection, OutboxRelay } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { OutboxRelayHost } from '@seckill/persistence';
import { RedisConnection } from '@seckill/redis';
import { ORDER_SERVICE_CONFIG, type OrderServiceConfig } from '../config';
import { StreamOutboxStore } from './stream-outbox';

/**
 * order-service's two outboxes, each drained by an `OutboxRelay` onto the service's producer:
 * - `sales`: the `outbox_events` table (`sale.published`, written with the sale; `order.cancelled`,
 *   written by the deadline sweeper). This is the generic relay every service with a Postgres
 *   outbox runs (`OutboxRelayHost` of PersistenceModule's `messaging`), which starts and stops
 *   itself; it is exposed here so writers can wake it.
 * - `orders`: the sales' Redis outbox streams (`order.created` entries a request did not get
 *   onto Kafka within its bound, or that a crash left behind). Started once the application is
 *   up, stopped before the producer disconnects.
 */
@Injectable()
export class OutboxRelays implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly sales: OutboxRelay;
  readonly orders: OutboxRelay;

  constructor(
    host: OutboxRelayHost,
    redis: RedisConnection,
    kafka: KafkaConnection,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
    @Inject(ORDER_SERVICE_CONFIG) config: OrderServiceConfig,
  ) {
    this.sales = host.relay;
    this.orders = new OutboxRelay(
      new StreamOutboxStore(redis.client, config.OUTBOX_STREAM_MIN_AGE_MS, logger),
      kafka.publisher,
      logger,
      metrics,
      {
        name: 'order-streams',
        intervalMs: config.OUTBOX_RELAY_INTERVAL_MS,
        batchSize: 500,
        // Under SHUTDOWN_TIMEOUT_MS: stopping waits for the run in hand.
        publishTimeoutMs: 5_000,
      },
    );
  }

  onApplicationBootstrap(): void {
    this.orders.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.orders.stop();
  }
}
