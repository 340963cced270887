import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { createEvent, type OrderCancelledV1 } from '@seckill/contracts';
import {
  type CommittedOffsets,
  type ConsumerGroupOffsets,
  hasRead,
  WakeablePause,
} from '@seckill/kafka';
import type { ServiceLogger } from '@seckill/observability';
import { outboxRowOf } from '@seckill/persistence';
import type { OrderDatabase } from '../database';

/** The consumer group that owes an unpaid order its next step, and the topic it reads it from. */
export interface NextStep {
  readonly topic: string;
  readonly groupId: string;
}

export interface DeadlineSweeperOptions {
  /** An order still PENDING or RESERVED this long after it was accepted is cancelled. */
  readonly deadlineMs: number;
  /**
   * How long an overdue order whose next step was not read yet is left alone; once it is read,
   * the order still gets at least this long before it is cancelled.
   */
  readonly holdMs: number;
  /** Pause between sweeps when the last one found nothing more to do. */
  readonly intervalMs: number;
  /** Orders looked at per transaction. */
  readonly batchSize: number;
  /**
   * Who owes a PENDING order its reservation (inventory-service, on order.created) and a
   * RESERVED one its payment (payment-service, on inventory.reserved).
   */
  readonly nextSteps: { readonly pending: NextStep; readonly reserved: NextStep };
  /** Where those groups stand (the service's KafkaConnection). */
  readonly offsets: ConsumerGroupOffsets;
  /** Where the cancellation goes (the catalogue's definition; tests use a topic of their own). */
  readonly cancelled: typeof OrderCancelledV1;
  /** Called after a sweep that wrote outbox rows (the relay's `wake`). */
  readonly onOutboxCommitted?: () => void;
}

/** An overdue unpaid order, with where the read model read the event its next step starts from. */
export interface OverdueOrder {
  readonly order_id: string;
  readonly sale_id: string;
  readonly user_id: string;
  readonly quantity: number;
  readonly status: 'PENDING' | 'RESERVED';
  readonly created_partition: number | null;
  readonly created_offset: bigint | null;
  readonly reserved_partition: number | null;
  readonly reserved_offset: bigint | null;
  /** Set once the sweeper held it: its next step was still queued at its deadline. */
  readonly deadline_held_until: Date | null;
  /** Set once the sweeper saw a held order's next step read. */
  readonly offered_late_at: Date | null;
}

/** The committed offsets of the two groups that owe unpaid orders their next step. */
export interface NextStepProgress {
  readonly pending: CommittedOffsets;
  readonly reserved: CommittedOffsets;
}

/**
 * Whether the group that owes the order its next step has read the event it starts from. Until
 * it has, the order is only queued behind a backlog and nobody could have paid for it. An order
 * recorded without the position (before the read model kept it) has nothing to wait for.
 */
export function nextStepOffered(order: OverdueOrder, progress: NextStepProgress): boolean {
  const [partition, offset, committed] =
    order.status === 'PENDING'
      ? [order.created_partition, order.created_offset, progress.pending]
      : [order.reserved_partition, order.reserved_offset, progress.reserved];
  if (partition === null || offset === null) return true;
  return hasRead(committed, partition, offset);
}

/**
 * What the sweep does with an overdue order:
 * - `hold`: its next step is still queued; look again after the hold;
 * - `grace`: it was held, and now its next step was read: it gets one full hold to be paid;
 * - `cancel`: offered in time (or held, read, and given its hold) and still unpaid.
 */
export type DeadlineVerdict = 'hold' | 'grace' | 'cancel';

export function deadlineVerdict(order: OverdueOrder, progress: NextStepProgress): DeadlineVerdict {
  if (!nextStepOffered(order, progress)) return 'hold';
  if (order.deadline_held_until !== null && order.offered_late_at === null) return 'grace';
  return 'cancel';
}

export interface SweepResult {
  /** Orders cancelled (one order.cancelled each). */
  readonly cancelled: number;
  /** Overdue orders held back: their next step is still queued, or was read only lately. */
  readonly held: number;
}

/**
 * Cancels the orders nobody paid for in time. A sweep claims a batch of unpaid orders older
 * than the deadline (`FOR UPDATE SKIP LOCKED`: several instances sweep side by side without
 * taking the same order, and an order a consumer is updating right now is left for the next
 * sweep), and in the same transaction sets them CANCELLED, records the history, and writes one
 * `order.cancelled` (PAYMENT_DEADLINE_EXPIRED) per order to the outbox. inventory-service
 * releases their stock on it, and its `inventory.released` restocks Redis.
 *
 * The deadline does not run out on an order that is merely queued (ADR 0008): an overdue order
 * whose next step the owing group has not read yet (its committed offset on the partition is not
 * past the event) is held for `holdMs` instead, and looked at again then; once read, a held order
 * gets one more full hold to be paid. Kafka is asked before the transaction, so no row lock waits
 * on the network; a failure to ask cancels nothing.
 *
 * The clock is the database's (`now()`), so instances agree on what is due. An order enters the
 * read model only once one of its events is consumed; one that never does is not swept (its
 * `order.created` is still in a Redis outbox stream or on Kafka, and arrives in time).
 */
export class DeadlineSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopped = true;
  private running: Promise<void> | undefined;
  private readonly pauses = new WakeablePause();

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
    this.pauses.wake();
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

  /** One transaction over up to `batchSize` overdue orders: cancels the offered, holds the rest. */
  async sweepOnce(): Promise<SweepResult> {
    const { deadlineMs, holdMs, batchSize, cancelled } = this.options;
    const progress = await this.progress();
    const result = await this.db.$transaction(async (tx) => {
      const overdue = await tx.$queryRaw<OverdueOrder[]>`
        SELECT order_id, sale_id, user_id, quantity, status,
               created_partition, created_offset, reserved_partition, reserved_offset,
               deadline_held_until, offered_late_at
        FROM orders
        WHERE status IN ('PENDING', 'RESERVED')
          -- A sync-flow order (ADR 0012) is settled by its own chain, never by an event.
          AND sale_id NOT IN (SELECT id::text FROM sales WHERE flow = 'sync')
          AND created_at < now() - make_interval(secs => ${deadlineMs / 1000}::double precision)
          AND (deadline_held_until IS NULL OR deadline_held_until <= now())
        ORDER BY created_at
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED`;
      const verdicts = overdue.map((order) => ({
        order,
        verdict: deadlineVerdict(order, progress),
      }));
      const held = verdicts.filter(({ verdict }) => verdict !== 'cancel');
      const due = verdicts.filter(({ verdict }) => verdict === 'cancel').map(({ order }) => order);
      if (held.length > 0) {
        await tx.$executeRaw`
          UPDATE orders o
          SET deadline_held_until = now() + make_interval(secs => ${holdMs / 1000}::double precision),
              offered_late_at = CASE WHEN h.verdict = 'grace' THEN now() ELSE o.offered_late_at END
          FROM unnest(${held.map(({ order }) => order.order_id)}::text[],
                      ${held.map(({ verdict }) => verdict)}::text[]) AS h(order_id, verdict)
          WHERE o.order_id = h.order_id`;
      }
      if (due.length === 0) return { cancelled: 0, held: held.length };
      await tx.$executeRaw`
        UPDATE orders SET status = 'CANCELLED', updated_at = now()
        WHERE order_id = ANY(${due.map((order) => order.order_id)}::text[])`;
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
        data: events.map((event) => outboxRowOf(cancelled, event)),
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
      return { cancelled: events.length, held: held.length };
    });
    if (result.held > 0) {
      const { pending, reserved } = this.options.nextSteps;
      this.logger.info(
        { held: result.held, holdMs, waitingFor: [pending.groupId, reserved.groupId] },
        'overdue orders held: the group that owes their next step has not read them yet',
      );
    }
    if (result.cancelled > 0) this.options.onOutboxCommitted?.();
    return result;
  }

  private async progress(): Promise<NextStepProgress> {
    const { offsets, nextSteps } = this.options;
    const [pending, reserved] = await Promise.all([
      offsets.committedOffsets(nextSteps.pending.groupId, nextSteps.pending.topic),
      offsets.committedOffsets(nextSteps.reserved.groupId, nextSteps.reserved.topic),
    ]);
    return { pending, reserved };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let full = false;
      try {
        const { cancelled, held } = await this.sweepOnce();
        full = cancelled + held >= this.options.batchSize;
      } catch (error) {
        this.logger.warn({ err: error }, 'deadline sweep failed; retrying at the next interval');
      }
      // A full batch means more may be due: sweep again at once.
      if (!full && !this.stopped) await this.pauses.pause(this.options.intervalMs);
    }
  }
}
