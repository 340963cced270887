import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { createEvent, type OrderCancelledV1 } from '@seckill/contracts';
import type { ServiceLogger } from '@seckill/observability';
import type { OrderDatabase } from '../database';
import { outboxRow } from '../outbox/postgres-outbox';

export interface DeadlineSweeperOptions {
  /** An order still PENDING or RESERVED this long after it was accepted is cancelled. */
  readonly deadlineMs: number;
  /** Pause between sweeps when the last one found nothing more to do. */
  readonly intervalMs: number;
  /** Orders cancelled per transaction. */
  readonly batchSize: number;
  /** Where the cancellation goes (the catalogue's definition; tests use a topic of their own). */
  readonly cancelled: typeof OrderCancelledV1;
  /** Called after a sweep that wrote outbox rows (the relay's `wake`). */
  readonly onOutboxCommitted?: () => void;
}

interface DueOrder {
  readonly order_id: string;
  readonly sale_id: string;
  readonly user_id: string;
  readonly quantity: number;
}

/**
 * Cancels the orders nobody paid for in time. A sweep claims a batch of unpaid orders older
 * than the deadline (`FOR UPDATE SKIP LOCKED`: several instances sweep side by side without
 * taking the same order, and an order a consumer is updating right now is left for the next
 * sweep), and in the same transaction sets them CANCELLED, records the history, and writes one
 * `order.cancelled` (PAYMENT_DEADLINE_EXPIRED) per order to the outbox. inventory-service
 * releases their stock on it, and its `inventory.released` restocks Redis.
 *
 * The clock is the database's (`now()`), so instances agree on what is due. An order enters the
 * read model only once one of its events is consumed; one that never does is not swept (its
 * `order.created` is still in a Redis outbox stream or on Kafka, and arrives in time).
 */
export class DeadlineSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopped = true;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly db: OrderDatabase,
    private readonly logger: ServiceLogger,
    private readonly options: DeadlineSweeperOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /** Finishes the sweep in hand and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.running;
    this.running = undefined;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Before the database closes (onApplicationShutdown). */
  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** One transaction: cancels up to `batchSize` overdue orders; resolves how many. */
  async sweepOnce(): Promise<number> {
    const { deadlineMs, batchSize, cancelled } = this.options;
    const count = await this.db.$transaction(async (tx) => {
      const due = await tx.$queryRaw<DueOrder[]>`
        WITH due AS (
          SELECT order_id FROM orders
          WHERE status IN ('PENDING', 'RESERVED')
            AND created_at < now() - make_interval(secs => ${deadlineMs / 1000}::double precision)
          ORDER BY created_at
          LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE orders o SET status = 'CANCELLED', updated_at = now()
        FROM due WHERE o.order_id = due.order_id
        RETURNING o.order_id, o.sale_id, o.user_id, o.quantity`;
      if (due.length === 0) return 0;
      const events = due.map((order) =>
        createEvent(cancelled, {
          orderId: order.order_id,
          saleId: order.sale_id,
          userId: order.user_id,
          quantity: order.quantity,
          reason: 'PAYMENT_DEADLINE_EXPIRED',
        }),
      );
      await tx.orderHistory.createMany({
        data: events.map((event) => ({
          orderId: event.payload.orderId,
          status: 'CANCELLED',
          eventType: event.type,
          eventId: event.eventId,
          occurredAt: new Date(event.occurredAt),
        })),
      });
      await tx.outboxEvent.createMany({
        data: events.map((event) => outboxRow(cancelled, event)),
      });
      this.logger.info(
        {
          orders: events.map((event) => ({
            orderId: event.payload.orderId,
            eventId: event.eventId,
          })),
        },
        'unpaid orders cancelled at their deadline',
      );
      return events.length;
    });
    if (count > 0) this.options.onOutboxCommitted?.();
    return count;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let full = false;
      try {
        full = (await this.sweepOnce()) >= this.options.batchSize;
      } catch (error) {
        this.logger.warn({ err: error }, 'deadline sweep failed; retrying at the next interval');
      }
      // A full batch means more may be due: sweep again at once.
      if (!full && !this.stopped) await this.pause(this.options.intervalMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
