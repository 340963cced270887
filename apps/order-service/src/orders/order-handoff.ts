import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { OutgoingRecord } from '@seckill/kafka';
import type { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { MicroBatcher } from './micro-batcher';

/** An admitted order's `order.created` record and where the admission script left its copy. */
export interface AdmittedOrder {
  readonly stream: string;
  readonly entryId: string;
  readonly record: OutgoingRecord;
}

export interface OrderHandoffOptions {
  /** How long a request waits for Kafka's ack before it answers anyway (the relay takes over). */
  readonly timeoutMs: number;
  readonly maxBatchSize?: number;
  readonly lingerMs?: number;
  readonly maxPending?: number;
}

export type HandoffResult = 'published' | 'deferred';

/**
 * Hands admitted orders from their Redis outbox stream to Kafka: publishes the record (batched
 * with the other requests' records, one `sendBatch` at a time on the idempotent producer), then
 * deletes the stream entry. A request waits at most `timeoutMs` for the ack; after that, or when
 * the publish fails, the order is "deferred": its entry stays in the stream and the stream relay
 * publishes it. Either way the order is never lost, and a duplicate carries the same event id.
 */
export class OrderHandoff implements BeforeApplicationShutdown {
  private readonly batcher: MicroBatcher<AdmittedOrder>;
  private readonly logger: ServiceLogger;
  private readonly results;
  private readonly batchSizes;

  constructor(
    private readonly publisher: { send(records: readonly OutgoingRecord[]): Promise<void> },
    private readonly redis: Redis,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
    private readonly options: OrderHandoffOptions,
  ) {
    this.logger = logger.child({ component: 'order-handoff' });
    this.batcher = new MicroBatcher((orders) => this.publish(orders), {
      maxBatchSize: options.maxBatchSize ?? 500,
      lingerMs: options.lingerMs ?? 0,
      maxPending: options.maxPending ?? 10_000,
    });
    this.results = metrics.counter(
      'seckill_order_handoffs_total',
      'Admitted orders by whether Kafka acknowledged them before the answer',
      ['result'],
    );
    this.batchSizes = metrics.histogram(
      'seckill_order_publish_batch_size',
      'order.created records per Kafka sendBatch',
      [],
      [1, 2, 5, 10, 20, 50, 100, 200, 500],
    );
  }

  /**
   * Publishes `order` and resolves once Kafka acknowledged it ('published'), or after
   * `timeoutMs` (or `maxWaitMs` if shorter: the caller's remaining budget) with 'deferred'.
   */
  async handOff(order: AdmittedOrder, maxWaitMs?: number): Promise<HandoffResult> {
    const waitMs = Math.max(0, Math.min(this.options.timeoutMs, maxWaitMs ?? Infinity));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<HandoffResult>((resolve) => {
      timer = setTimeout(() => resolve('deferred'), waitMs);
    });
    const published = this.batcher.add(order).then(
      (): HandoffResult => 'published',
      (error: unknown): HandoffResult => {
        this.logger.debug({ err: error, entryId: order.entryId }, 'publish failed; deferred');
        return 'deferred';
      },
    );
    try {
      const result = await Promise.race([published, deadline]);
      this.results.inc({ result });
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Publishes what is waiting and refuses more (later orders are left to the stream relay).
   * Waits for the last publish at most `timeoutMs`: a broker that is down must not hold up the
   * shutdown, and whatever was not acknowledged is still in the streams.
   */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.timeoutMs);
    });
    try {
      await Promise.race([this.batcher.close(), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private async publish(orders: readonly AdmittedOrder[]): Promise<void> {
    await this.publisher.send(orders.map((order) => order.record));
    this.batchSizes.observe(orders.length);
    // Not awaited: the callers' answers need Kafka's ack, not this. If it fails, the relay
    // publishes the entries again, with the same event ids.
    void this.forget(orders);
  }

  private async forget(orders: readonly AdmittedOrder[]): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const { stream, entryId } of orders) {
      const ids = byStream.get(stream);
      if (ids) ids.push(entryId);
      else byStream.set(stream, [entryId]);
    }
    const pipeline = this.redis.pipeline();
    for (const [stream, ids] of byStream) pipeline.xdel(stream, ...ids);
    try {
      await pipeline.exec();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not delete published outbox entries');
    }
  }
}
