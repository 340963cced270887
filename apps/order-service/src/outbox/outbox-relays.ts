import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { KafkaConnection, OutboxRelay } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { RedisConnection } from '@seckill/redis';
import { ORDER_SERVICE_CONFIG, type OrderServiceConfig } from '../config';
import { OrderDatabase } from '../database';
import { PostgresOutboxStore } from './postgres-outbox';
import { StreamOutboxStore } from './stream-outbox';

/**
 * order-service's two outboxes, each drained by an `OutboxRelay` onto the service's producer:
 * - `sales`: the `outbox_events` table (`sale.published`, written with the sale);
 * - `orders`: the sales' Redis outbox streams (`order.created` entries a request did not get
 *   onto Kafka within its bound, or that a crash left behind).
 * They start once the application is up and stop before the producer disconnects.
 */
@Injectable()
export class OutboxRelays implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly sales: OutboxRelay;
  readonly orders: OutboxRelay;

  constructor(
    db: OrderDatabase,
    redis: RedisConnection,
    kafka: KafkaConnection,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
    @Inject(ORDER_SERVICE_CONFIG) config: OrderServiceConfig,
  ) {
    const common = {
      intervalMs: config.OUTBOX_RELAY_INTERVAL_MS,
      batchSize: 500,
      // Under SHUTDOWN_TIMEOUT_MS: stopping waits for the run in hand.
      publishTimeoutMs: 5_000,
    };
    this.sales = new OutboxRelay(new PostgresOutboxStore(db), kafka.publisher, logger, metrics, {
      ...common,
      name: 'sales',
    });
    this.orders = new OutboxRelay(
      new StreamOutboxStore(redis.client, config.OUTBOX_STREAM_MIN_AGE_MS, logger),
      kafka.publisher,
      logger,
      metrics,
      { ...common, name: 'order-streams' },
    );
  }

  onApplicationBootstrap(): void {
    this.sales.start();
    this.orders.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.sales.stop(), this.orders.stop()]);
  }
}
