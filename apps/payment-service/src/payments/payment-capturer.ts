import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1 } from '@seckill/contracts';
import {
  backoffDelay,
  Coalescer,
  ConsumerStore,
  NonRetriableError,
  type OutboxEntry,
  outboxEntry,
  WakeablePause,
} from '@seckill/kafka';
import { SpanKind } from '@opentelemetry/api';
import {
  currentTraceparent,
  extractTraceContext,
  MetricsRegistry,
  ServiceLogger,
  withSpan,
  withTraceparent,
} from '@seckill/observability';
import { lockOrders, PaymentDatabase, type PaymentTransaction } from '../database';
import { CaptureRetryPolicy, captureWithRetries } from './capture-with-retries';
import {
  type Charge,
  PaymentTimeoutError,
  SimulatedPaymentProvider,
} from './simulated-payment-provider';

/** How the capturer works; a class so that it is its own injection token. */
export class CapturerSettings {
  constructor(
    /** Provider calls in flight at most (`PAYMENT_MAX_CONCURRENT_CAPTURES`). */
    readonly maxConcurrent: number,
    /**
     * How long a capturer owns an intent it took up (`PAYMENT_CAPTURE_LEASE_MS`): longer than a
     * capture takes; after it (a crash) any capturer takes the intent up again.
     */
    readonly leaseMs: number,
    /** The longest wait between two looks for new intents while idle. */
    readonly maxPollIntervalMs = 250,
  ) {}
}

/** A PENDING payment as the capturer took it up. */
export interface Intent {
  readonly paymentId: string;
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly amountCents: number;
  /** Times taken up, this one included: more than 1 means an earlier try may have charged. */
  readonly attempts: number;
  /** The traceparent the intent was written in (tracing on), or null. */
  readonly traceContext?: string | null;
}

interface Settled {
  readonly intent: Intent;
  readonly charge: Charge;
  /** The capture span's traceparent: what the result's events continue (tracing on). */
  readonly traceContext?: string | null;
}

const MIN_POLL_INTERVAL_MS = 10;
/** Backoff of an intent whose provider calls all timed out, before it is taken up again. */
const RETRY_BACKOFF = { maxAttempts: Infinity, initialDelayMs: 1_000, maxDelayMs: 60_000 };

/**
 * Charges the PENDING payment intents, outside any database transaction:
 *   1. take up to `maxConcurrent` intents (a lease, `FOR UPDATE SKIP LOCKED`: instances share
 *      the work);
 *   2. call the provider with the order id as idempotency key, many at once. An intent taken up
 *      before (a crash, an expired lease) first asks the provider what became of the key;
 *   3. record the results in one transaction (the results that arrive together share it, in two
 *      statements): the status, and `payment.succeeded` / `payment.failed` in the outbox, under
 *      the orders' locks.
 *      An order cancelled meanwhile is refunded in the same step.
 * A crash anywhere leaves the intent PENDING with its lease; once the lease runs out it is taken
 * up again, and the provider's idempotency makes the second call return the first charge: never
 * two charges for one order.
 */
@Injectable()
export class PaymentCapturer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: ServiceLogger;
  private readonly results: Coalescer<Settled, void>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly outcomes;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly pauses = new WakeablePause();

  constructor(
    private readonly db: PaymentDatabase,
    private readonly provider: SimulatedPaymentProvider,
    private readonly store: ConsumerStore<PaymentTransaction>,
    private readonly policy: CaptureRetryPolicy,
    private readonly settings: CapturerSettings,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
  ) {
    this.logger = logger.child({ component: 'payment-capturer' });
    this.results = new Coalescer((settled) => this.record(settled), { maxWeight: 100 });
    this.outcomes = metrics.counter(
      'seckill_payment_captures_total',
      'Payment intents taken up, by outcome (captured, declined, refunded, retried, failed)',
      ['outcome'],
    );
    metrics.gauge(
      'seckill_payment_captures_in_flight',
      'Provider captures in flight',
      [],
      (gauge) => gauge.set(this.inFlight.size),
    );
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.logger.info(
      { maxConcurrent: this.settings.maxConcurrent, leaseMs: this.settings.leaseMs },
      'payment capturer started',
    );
  }

  /** Takes up nothing more and waits for the captures in flight (their leases cover the rest). */
  async stop(): Promise<void> {
    this.running = false;
    this.pauses.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** Looks for intents now (after a commit that wrote some, for example). */
  wake(): void {
    this.pauses.wake();
  }

  private async run(): Promise<void> {
    let intervalMs = MIN_POLL_INTERVAL_MS;
    while (this.running) {
      const free = this.settings.maxConcurrent - this.inFlight.size;
      let taken = 0;
      if (free > 0) {
        try {
          const intents = await this.takeUp(free);
          taken = intents.length;
          for (const intent of intents) this.track(this.settle(intent));
        } catch (error) {
          this.logger.warn({ err: error }, 'could not take up payment intents; trying again');
        }
      }
      if (taken > 0 && taken === free) continue;
      intervalMs =
        taken > 0
          ? MIN_POLL_INTERVAL_MS
          : Math.min(intervalMs * 2, this.settings.maxPollIntervalMs);
      await this.pauses.pause(intervalMs);
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.wake(); // a slot is free
    });
  }

  /** The oldest PENDING intents nobody holds, leased to this capturer. */
  async takeUp(limit: number): Promise<Intent[]> {
    const rows = await this.db.$queryRaw<
      Array<{
        payment_id: string;
        order_id: string;
        sale_id: string;
        user_id: string;
        quantity: number;
        amount_cents: number;
        attempts: number;
        trace_context: string | null;
      }>
    >`
      UPDATE payments SET lease_until = now() + ${this.settings.leaseMs} * interval '1 millisecond',
                          attempts = attempts + 1, updated_at = now()
      WHERE payment_id IN (
        SELECT payment_id FROM payments
        WHERE status = 'PENDING' AND (lease_until IS NULL OR lease_until < now())
        ORDER BY created_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING payment_id, order_id, sale_id, user_id, quantity, amount_cents, attempts,
                trace_context`;
    return rows.map((row) => ({
      paymentId: row.payment_id,
      orderId: row.order_id,
      saleId: row.sale_id,
      userId: row.user_id,
      quantity: row.quantity,
      amountCents: row.amount_cents,
      attempts: row.attempts,
      traceContext: row.trace_context,
    }));
  }

  /**
   * Charges one intent and records the result; on failure, leaves it for a later try. While
   * tracing is on, the capture is a span of the purchase's trace (the intent's traceparent).
   */
  async settle(intent: Intent): Promise<void> {
    await withSpan(
      'payment capture',
      {
        kind: SpanKind.CLIENT,
        parent: extractTraceContext({ traceparent: intent.traceContext ?? undefined }),
        attributes: {
          'seckill.order_id': intent.orderId,
          'seckill.payment.attempts': intent.attempts,
        },
      },
      () => this.settleNow(intent),
    );
  }

  private async settleNow(intent: Intent): Promise<void> {
    let charge: Charge;
    try {
      charge = await this.charge(intent);
    } catch (error) {
      await this.giveBack(intent, error);
      return;
    }
    try {
      await this.results.add({ intent, charge, traceContext: currentTraceparent() });
    } catch (error) {
      // The lease runs out and the intent is taken up again: the provider answers the same.
      this.outcomes.inc({ outcome: 'retried' });
      this.logger.warn(
        { err: error, orderId: intent.orderId },
        'could not record the payment result; the intent is taken up again later',
      );
    }
  }

  private async charge(intent: Intent): Promise<Charge> {
    const idempotencyKey = intent.orderId;
    if (intent.attempts > 1) {
      // Taken up before: that try may have charged and died before recording it. Ask.
      const known = await this.provider.retrieve(idempotencyKey);
      if (known) {
        this.logger.info(
          { orderId: intent.orderId, attempts: intent.attempts, status: known.status },
          'resumed a payment intent: the provider had already answered',
        );
        return known;
      }
    }
    return captureWithRetries(
      (attempt) =>
        this.provider.charge({ idempotencyKey, amountCents: intent.amountCents }, attempt),
      this.policy,
      {
        onRetry: (attempt, delayMs, error) =>
          this.logger.warn(
            { orderId: intent.orderId, attempt, delayMs, err: error },
            'payment provider timed out; retrying with the same idempotency key',
          ),
      },
    );
  }

  /**
   * The provider did not answer (timeouts): the intent waits a backoff and is taken up again.
   * A refusal (`NonRetriableError`, a key reused with other parameters) fails the payment.
   */
  private async giveBack(intent: Intent, error: unknown): Promise<void> {
    if (error instanceof NonRetriableError) {
      this.logger.error({ err: error, orderId: intent.orderId }, 'provider refused the payment');
      const charge: Charge = {
        chargeId: '',
        status: 'DECLINED',
        reason: error.message,
        amountCents: 0,
      };
      await this.results
        .add({ intent, charge, traceContext: currentTraceparent() })
        .catch(() => undefined);
      return;
    }
    const delayMs = backoffDelay(RETRY_BACKOFF, intent.attempts);
    this.outcomes.inc({ outcome: 'retried' });
    this.logger.warn(
      { err: error, orderId: intent.orderId, attempts: intent.attempts, delayMs },
      error instanceof PaymentTimeoutError
        ? 'payment provider kept timing out; the intent is taken up again later'
        : 'payment capture failed; the intent is taken up again later',
    );
    await this.db.payment
      .updateMany({
        where: { paymentId: intent.paymentId, status: 'PENDING' },
        data: { leaseUntil: new Date(Date.now() + delayMs) },
      })
      .catch(() => undefined); // the lease runs out by itself
  }

  /**
   * The results that arrived together, in one transaction with their events, in two statements
   * whatever their number (the orders' locks, then one update), plus a refund for each order
   * cancelled while its capture was in flight (rare).
   */
  private async record(settled: readonly Settled[]): Promise<void[]> {
    const entries: OutboxEntry[] = [];
    const counted: string[] = [];
    await this.store.transaction(async (tx) => {
      entries.length = 0;
      counted.length = 0;
      const byOrder = new Map(settled.map((result) => [result.intent.orderId, result]));
      for (const { orderId, cancelled } of await this.markSettled(tx, [...byOrder.values()])) {
        const result = byOrder.get(orderId);
        if (result) counted.push(await this.outcomeOf(tx, result, cancelled, entries));
      }
      await this.store.appendOutbox(tx, entries);
    });
    if (entries.length > 0) this.store.outboxCommitted();
    for (const outcome of counted) this.outcomes.inc({ outcome });
    return settled.map(() => undefined);
  }

  /**
   * PENDING → CAPTURED or DECLINED for each result, under the orders' locks. Returns the orders it
   * changed, with the order's cancellation if there is one; an order another capturer recorded
   * first (no longer PENDING) is left out.
   */
  private async markSettled(
    tx: PaymentTransaction,
    settled: readonly Settled[],
  ): Promise<Array<{ orderId: string; cancelled: string | null }>> {
    const orderIds = settled.map(({ intent }) => intent.orderId);
    await lockOrders(tx, orderIds);
    const rows = await tx.$queryRaw<Array<{ order_id: string; cancelled: string | null }>>`
      WITH updated AS (
        UPDATE payments p
        SET status = s.status, reason = s.reason, lease_until = NULL, updated_at = now()
        FROM unnest(
          ${orderIds}::text[],
          ${settled.map(({ charge }) => statusOf(charge))}::payment_status[],
          ${settled.map(({ charge }) => reasonOf(charge))}::text[]
        ) AS s(order_id, status, reason)
        WHERE p.order_id = s.order_id AND p.status = 'PENDING'
        RETURNING p.order_id
      )
      SELECT u.order_id, c.reason AS cancelled
      FROM updated u LEFT JOIN cancelled_orders c ON c.order_id = u.order_id`;
    return rows.map((row) => ({ orderId: row.order_id, cancelled: row.cancelled }));
  }

  /** The event of a result just recorded; a capture of an order cancelled meanwhile is refunded. */
  private async outcomeOf(
    tx: PaymentTransaction,
    settled: Settled,
    cancelled: string | null,
    entries: OutboxEntry[],
  ): Promise<string> {
    // Results are recorded together, outside their captures' flows: each event is written in
    // its own capture's trace context.
    return withTraceparent(settled.traceContext, () =>
      this.outcomeInFlow(tx, settled, cancelled, entries),
    );
  }

  private async outcomeInFlow(
    tx: PaymentTransaction,
    { intent, charge }: Settled,
    cancelled: string | null,
    entries: OutboxEntry[],
  ): Promise<string> {
    const { orderId, saleId, userId, quantity, paymentId } = intent;
    const ref = { orderId, saleId, userId, quantity };
    const declineReason = reasonOf(charge);
    if (declineReason !== null) {
      entries.push(outboxEntry(PaymentFailedV1, { ...ref, reason: declineReason }));
      this.logger.info({ orderId, reason: declineReason }, 'payment declined');
      return 'declined';
    }
    entries.push(
      outboxEntry(PaymentSucceededV1, { ...ref, paymentId, amountCents: intent.amountCents }),
    );
    if (cancelled === null) return 'captured';
    // Cancelled while the capture was in flight: give the money back now.
    await this.provider.refund(orderId);
    const reason = `order cancelled: ${cancelled}`;
    await tx.payment.update({
      where: { orderId },
      data: { status: 'REFUNDED', reason, refundedAt: new Date() },
    });
    entries.push(
      outboxEntry(PaymentRefundedV1, {
        ...ref,
        paymentId,
        amountCents: intent.amountCents,
        reason,
      }),
    );
    this.logger.info({ orderId, reason }, 'payment of a cancelled order refunded');
    return 'refunded';
  }
}

/** The payment's status for the provider's answer: anything but a decline took the money. */
function statusOf(charge: Charge): 'CAPTURED' | 'DECLINED' {
  return charge.status === 'DECLINED' ? 'DECLINED' : 'CAPTURED';
}

function reasonOf(charge: Charge): string | null {
  return charge.status === 'DECLINED' ? (charge.reason ?? 'declined') : null;
}
