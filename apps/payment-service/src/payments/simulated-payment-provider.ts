import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RetriableError } from '@seckill/kafka';
import type { Payment } from '../generated/prisma/client';
import type { PaymentTransaction } from '../database';

/** What the simulated provider does with one call. */
export type ProviderDecision = 'APPROVE' | 'DECLINE' | 'TIMEOUT';

export interface ProviderRates {
  /** Share of calls declined for good. */
  readonly failureRate: number;
  /** Share of calls that time out (transient). */
  readonly timeoutRate: number;
}

export interface ProviderSettings extends ProviderRates {
  readonly latencyMs: number;
  readonly timeoutMs: number;
}

/**
 * Maps a uniform number in [0, 1) to a decision: the first `failureRate` of the interval
 * declines, the next `timeoutRate` times out, the rest approves.
 */
export function decide(
  uniform: number,
  { failureRate, timeoutRate }: ProviderRates,
): ProviderDecision {
  if (uniform < failureRate) return 'DECLINE';
  if (uniform < failureRate + timeoutRate) return 'TIMEOUT';
  return 'APPROVE';
}

/** Where decisions come from; tests inject a scripted one so every run is the same. */
export type DecisionSource = (orderId: string, attempt: number) => ProviderDecision;

export function randomDecisions(
  rates: ProviderRates,
  random: () => number = Math.random,
): DecisionSource {
  return () => decide(random(), rates);
}

/** The provider did not answer in time. Transient: the same capture may be tried again. */
export class PaymentTimeoutError extends RetriableError {
  constructor(orderId: string, timeoutMs: number) {
    super(`payment provider timed out after ${timeoutMs} ms capturing order ${orderId}`);
  }
}

export interface CaptureRequest {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly amountCents: number;
}

export interface CaptureResult {
  readonly payment: Payment;
  /** True when the order already had a payment: nothing was charged by this call. */
  readonly replayed: boolean;
}

export const DECLINE_REASON = 'card declined by the payment provider (simulated)';

/**
 * A stand-in for a card processor. Its ledger is the `payments` table of payment-service's
 * database (order id unique): capture is idempotent by order id, the key a real provider would
 * get as its idempotency key, so a retried or repeated capture returns the first result instead
 * of charging twice. Calls take `latencyMs`; a share of them are declined for good or time out
 * (after `timeoutMs`), as `decisions` says.
 *
 * The ledger rows are written in the caller's transaction: a capture whose transaction rolls
 * back never happened. A real provider is outside the transaction; see the README for what that
 * would change.
 */
export class SimulatedPaymentProvider {
  constructor(
    private readonly settings: ProviderSettings,
    private readonly decisions: DecisionSource = randomDecisions(settings),
  ) {}

  async capture(
    tx: PaymentTransaction,
    request: CaptureRequest,
    attempt = 1,
  ): Promise<CaptureResult> {
    const existing = await tx.payment.findUnique({ where: { orderId: request.orderId } });
    if (existing) return { payment: existing, replayed: true };

    await pause(this.settings.latencyMs);
    const decision = this.decisions(request.orderId, attempt);
    if (decision === 'TIMEOUT') {
      await pause(this.settings.timeoutMs);
      throw new PaymentTimeoutError(request.orderId, this.settings.timeoutMs);
    }
    return this.record(tx, request, attempt, decision === 'APPROVE' ? 'CAPTURED' : 'DECLINED');
  }

  /** Records that the order is never to be charged (it was cancelled first). */
  async void(
    tx: PaymentTransaction,
    request: CaptureRequest,
    reason: string,
  ): Promise<CaptureResult> {
    return this.record(tx, request, 0, 'VOIDED', reason);
  }

  /** Gives a captured payment back, once: CAPTURED → REFUNDED; null when there is nothing to refund. */
  async refund(tx: PaymentTransaction, orderId: string, reason: string): Promise<Payment | null> {
    const [refunded] = await tx.payment.updateManyAndReturn({
      where: { orderId, status: 'CAPTURED' },
      data: { status: 'REFUNDED', reason, refundedAt: new Date() },
    });
    if (refunded) await pause(this.settings.latencyMs);
    return refunded ?? null;
  }

  private async record(
    tx: PaymentTransaction,
    request: CaptureRequest,
    attempts: number,
    status: 'CAPTURED' | 'DECLINED' | 'VOIDED',
    reason: string | null = status === 'DECLINED' ? DECLINE_REASON : null,
  ): Promise<CaptureResult> {
    const inserted = await tx.payment.createMany({
      data: [{ paymentId: randomUUID(), ...request, status, reason, attempts }],
      skipDuplicates: true,
    });
    // Another transaction recorded this order first (it held the unique key; ours waited).
    const payment = await tx.payment.findUniqueOrThrow({ where: { orderId: request.orderId } });
    return { payment, replayed: inserted.count === 0 };
  }
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? sleep(ms) : Promise.resolve();
}
