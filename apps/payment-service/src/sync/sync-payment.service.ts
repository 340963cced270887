import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ProblemCode,
  type SyncChargeRequest,
  type SyncCompensationRequest,
} from '@seckill/contracts';
import { NonRetriableError } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { lockOrder, PaymentDatabase } from '../database';
import { CaptureRetryPolicy, captureWithRetries } from '../payments/capture-with-retries';
import {
  type Charge,
  PaymentTimeoutError,
  SimulatedPaymentProvider,
} from '../payments/simulated-payment-provider';
import {
  type ChargeOutcome,
  chargeStepFor,
  type PaymentStatus,
  settle,
} from './sync-payment-rules';

export type RefundOutcome = 'REFUNDED' | 'VOIDED';

/**
 * The lease of a sync payment intent: never over. The event-driven capturer takes up every
 * PENDING payment whose lease ran out, and would announce its result on Kafka (the saga would
 * then act on a sync order); a sync intent belongs to its HTTP call, and if that call fails, to
 * the caller's refund call.
 */
export const SYNC_LEASE_UNTIL = new Date('9999-12-31T00:00:00.000Z');

/** Why a payment was voided or refunded: the caller's compensation. */
export const SYNC_COMPENSATION = 'SYNC_COMPENSATION';

/**
 * The sale and buyer of a VOIDED tombstone whose refund call did not name them (its body is read
 * leniently): the row still holds the order id, but the verifier, which reads payments by sale,
 * does not see it.
 */
export const UNKNOWN = '';

/** Every transaction here is a few statements: waiting for the order's lock is the rest. */
const SHORT_TRANSACTION = { maxWait: 10_000, timeout: 15_000 };
/** A refund reads the payment again after a charge changed it; statuses only move forward. */
const MAX_LOOKS = 4;

/**
 * The synchronous baseline's payments (ADR 0012), in the intent / call / record shape of ADR
 * 0007: a PENDING payment, the provider's charge outside any transaction (the idempotency key is
 * the order id, as on the event path, so one order is charged once whichever path or call asks),
 * then the result. The caller waits for all of it: with the provider's latency and failure knobs
 * (PAYMENT_LATENCY_MS, …) every sync buyer waits for a slow provider. The rows are the ones the
 * capturer writes, so the verifier judges them alike; no outbox row is ever written.
 */
@Injectable()
export class SyncPaymentService {
  private readonly logger: ServiceLogger;

  constructor(
    private readonly db: PaymentDatabase,
    private readonly provider: SimulatedPaymentProvider,
    private readonly policy: CaptureRetryPolicy,
    logger: ServiceLogger,
  ) {
    this.logger = logger.child({ component: 'sync-payments' });
  }

  /**
   * Charges the order: CAPTURED, or a refusal (402 declined, 409 compensated or another request,
   * 504 the provider kept timing out: the payment stays PENDING until a repeat or a refund
   * settles it). A repeat gets the first outcome.
   */
  async charge(request: SyncChargeRequest): Promise<ChargeOutcome> {
    const { orderId, amountCents } = request;
    const existing = await this.recordIntent(request);
    if (existing) {
      const step = chargeStepFor(request, existing);
      if (step !== 'charge') {
        this.logger.debug({ orderId, status: existing.status }, 'sync payment already settled');
        return step;
      }
    }

    let charge: Charge;
    try {
      charge = await captureWithRetries(
        (attempt) => this.provider.charge({ idempotencyKey: orderId, amountCents }, attempt),
        this.policy,
        {
          onRetry: (attempt, delayMs, error) =>
            this.logger.warn(
              { orderId, attempt, delayMs, err: error },
              'payment provider timed out; retrying with the same idempotency key',
            ),
        },
      );
    } catch (error) {
      if (error instanceof PaymentTimeoutError) {
        this.logger.warn(
          { orderId, attempts: this.policy.attempts },
          'payment provider kept timing out; sync payment left PENDING',
        );
        return {
          kind: 'refused',
          status: 504,
          code: ProblemCode.UpstreamUnavailable,
          detail: `The payment provider did not answer for order ${orderId} after ${this.policy.attempts} attempts; the charge may or may not have been made.`,
        };
      }
      if (!(error instanceof NonRetriableError)) throw error;
      // The provider refused the key (first used with another amount): a decline, as the
      // capturer records it, so the payment does not stay PENDING.
      this.logger.error({ orderId, err: error }, 'provider refused the sync payment');
      charge = { chargeId: '', status: 'DECLINED', reason: error.message, amountCents: 0 };
    }
    return this.record(orderId, charge);
  }

  /**
   * Gives the order's money back, or makes sure none is ever taken (a compensation): CAPTURED →
   * refunded; PENDING → the provider is asked what became of the key, and what it took is
   * refunded, otherwise VOIDED; no payment → a VOIDED tombstone, so a late charge of the order is
   * refused; DECLINED stays so and answers VOIDED (no money was taken). Idempotent.
   *
   * Like a charge, the provider calls run outside any transaction (ADR 0007; the simulated
   * provider's ledger takes a pooled connection of its own, so a call inside one would hold two).
   * The payment then moves only from the status that was read, under the order's lock; if a
   * charge recorded its result meanwhile, the refund looks again: the statuses only move
   * forward, so that happens at most twice.
   */
  async refund(orderId: string, about: SyncCompensationRequest = {}): Promise<RefundOutcome> {
    for (let look = 1; look <= MAX_LOOKS; look++) {
      const payment = await this.db.$transaction(async (tx) => {
        await lockOrder(tx, orderId);
        const found = await tx.payment.findUnique({ where: { orderId } });
        if (!found) await tx.payment.create({ data: tombstoneFor(orderId, about) });
        return found;
      }, SHORT_TRANSACTION);
      if (!payment) {
        this.logger.info({ orderId }, 'sync refund before any charge: VOIDED tombstone recorded');
        return 'VOIDED';
      }
      if (payment.status === 'REFUNDED') return 'REFUNDED';
      if (payment.status === 'VOIDED' || payment.status === 'DECLINED') return 'VOIDED';

      // CAPTURED took the money; PENDING (a charge call timed out or died) may have.
      const charged =
        payment.status === 'CAPTURED'
          ? 'SUCCEEDED'
          : (await this.provider.retrieve(orderId))?.status;
      if (charged === 'SUCCEEDED') await this.refundCharge(orderId);
      const next =
        charged === 'SUCCEEDED' || charged === 'REFUNDED'
          ? ({ status: 'REFUNDED', reason: SYNC_COMPENSATION } as const)
          : ({
              status: 'VOIDED',
              reason: charged ? `${SYNC_COMPENSATION}: provider ${charged}` : SYNC_COMPENSATION,
            } as const);
      if (await this.moveFrom(orderId, payment.status, next)) {
        this.logger.info(
          { orderId, from: payment.status, to: next.status },
          'sync payment compensated',
        );
        return next.status;
      }
    }
    throw new Error(`the payment of order ${orderId} kept changing during its refund`);
  }

  /**
   * The intent: a PENDING payment with a lease that never ends (see SYNC_LEASE_UNTIL), under
   * the order's lock. Resolves with the order's payment if it had one already.
   */
  private recordIntent(request: SyncChargeRequest) {
    const { orderId, saleId, userId, quantity, amountCents } = request;
    return this.db.$transaction(async (tx) => {
      await lockOrder(tx, orderId);
      const inserted = await tx.payment.createMany({
        data: [
          {
            paymentId: randomUUID(),
            orderId,
            saleId,
            userId,
            quantity,
            amountCents,
            status: 'PENDING',
            leaseUntil: SYNC_LEASE_UNTIL,
          },
        ],
        skipDuplicates: true,
      });
      return inserted.count === 1 ? null : tx.payment.findUniqueOrThrow({ where: { orderId } });
    }, SHORT_TRANSACTION);
  }

  /** The provider's answer on the payment, under the order's lock (see `settle`). */
  private async record(orderId: string, charge: Charge): Promise<ChargeOutcome> {
    const settlement = await this.db.$transaction(async (tx) => {
      await lockOrder(tx, orderId);
      const current = await tx.payment.findUniqueOrThrow({ where: { orderId } });
      const decided = settle(orderId, current, charge);
      if (decided.update && !decided.refund) {
        await tx.payment.update({
          where: { orderId },
          data: { ...decided.update, leaseUntil: null, ...refundedAtFor(decided.update.status) },
        });
      }
      return decided;
    }, SHORT_TRANSACTION);
    const { outcome, update } = settlement;
    if (settlement.refund && update) {
      // A compensation voided the payment while this charge was in flight, and the provider took
      // the money after it looked: give it back (a VOIDED payment never moves but to REFUNDED).
      await this.refundCharge(orderId);
      await this.moveFrom(orderId, 'VOIDED', update);
      this.logger.warn({ orderId }, 'sync payment charged after its compensation: refunded');
    } else if (outcome.kind === 'captured') {
      this.logger.debug({ orderId }, 'sync payment captured');
    } else {
      this.logger.info({ orderId, code: outcome.code }, 'sync payment refused');
    }
    return outcome;
  }

  /** The payment from `from` to `to`, under the order's lock; false if it was not `from` any more. */
  private async moveFrom(
    orderId: string,
    from: PaymentStatus,
    to: { readonly status: PaymentStatus; readonly reason: string | null },
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      await lockOrder(tx, orderId);
      const moved = await tx.payment.updateMany({
        where: { orderId, status: from },
        data: { ...to, leaseUntil: null, ...refundedAtFor(to.status) },
      });
      return moved.count === 1;
    }, SHORT_TRANSACTION);
  }

  /** The provider gives the order's charge back (idempotent: a refunded charge answers again). */
  private async refundCharge(orderId: string): Promise<void> {
    const refunded = await this.provider.refund(orderId);
    if (!refunded) {
      // A payment that took money whose charge the provider does not know: a 500, and the
      // caller's compensation is retried rather than recorded as done.
      throw new Error(`the provider has no charge to refund for order ${orderId}`);
    }
  }
}

/** A VOIDED tombstone: the payment row of an order refunded before any charge. */
function tombstoneFor(orderId: string, about: SyncCompensationRequest) {
  return {
    paymentId: randomUUID(),
    orderId,
    saleId: about.saleId ?? UNKNOWN,
    userId: about.userId ?? UNKNOWN,
    quantity: 0,
    amountCents: 0,
    status: 'VOIDED',
    reason: SYNC_COMPENSATION,
  } as const;
}

/** When the money went back, for a payment that becomes REFUNDED. */
function refundedAtFor(status: PaymentStatus): { refundedAt?: Date } {
  return status === 'REFUNDED' ? { refundedAt: new Date() } : {};
}
