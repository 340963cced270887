/**
 * The pure rules of a synchronous payment (the baseline of ADR 0012), kept apart from the SQL and
 * the provider calls so they can be unit-tested: what a charge call answers for the order's
 * payment as it finds it, and how it records the provider's answer.
 */
import { ProblemCode, type SyncChargeRequest } from '@seckill/contracts';
import type { Charge } from '../payments/simulated-payment-provider';

/**
 * The code of a 409 for an order already settled otherwise (refunded or voided by a
 * compensation): the kit's own code for a 409, as the contract names no more specific one.
 */
export const ORDER_SETTLED = 'CONFLICT';

export type PaymentStatus = 'PENDING' | 'CAPTURED' | 'DECLINED' | 'REFUNDED' | 'VOIDED';

/** The order's payment row, as far as these rules look at it. */
export interface KnownPayment {
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly amountCents: number;
  readonly status: PaymentStatus;
  readonly reason: string | null;
}

export type ChargeOutcome =
  | { readonly kind: 'captured' }
  | {
      readonly kind: 'refused';
      readonly status: 402 | 409 | 504;
      readonly code: string;
      readonly detail: string;
    };

const captured: ChargeOutcome = { kind: 'captured' };

/** What a settled payment answers, to the call that settled it and to every repeat. */
export function answerFor(
  orderId: string,
  payment: Pick<KnownPayment, 'status' | 'reason'>,
): ChargeOutcome {
  switch (payment.status) {
    case 'CAPTURED':
      return captured;
    case 'DECLINED':
      return {
        kind: 'refused',
        status: 402,
        code: ProblemCode.PaymentDeclined,
        detail: `The payment provider declined the charge of order ${orderId}: ${payment.reason ?? 'declined'}.`,
      };
    case 'REFUNDED':
    case 'VOIDED':
    case 'PENDING':
      return {
        kind: 'refused',
        status: 409,
        code: ORDER_SETTLED,
        detail: `The payment of order ${orderId} is ${payment.status}${payment.reason ? ` (${payment.reason})` : ''}.`,
      };
  }
}

/**
 * A charge call that found the order's payment: a settled payment answers what it answered
 * (a compensated one, REFUNDED or VOIDED, is never charged again); the same order id with other
 * parameters is refused; a PENDING one (an earlier call that timed out or died) is charged again
 * with the same idempotency key, so the provider answers what it did the first time.
 */
export function chargeStepFor(
  request: SyncChargeRequest,
  payment: KnownPayment,
): 'charge' | ChargeOutcome {
  const { orderId } = request;
  if (payment.status === 'REFUNDED' || payment.status === 'VOIDED') {
    return answerFor(orderId, payment);
  }
  const same =
    payment.saleId === request.saleId &&
    payment.userId === request.userId &&
    payment.quantity === request.quantity &&
    payment.amountCents === request.amountCents;
  if (!same) {
    return {
      kind: 'refused',
      status: 409,
      code: ProblemCode.IdempotencyKeyReused,
      detail: `Order ${orderId} was charged with another sale, buyer, quantity or amount.`,
    };
  }
  return payment.status === 'PENDING' ? 'charge' : answerFor(orderId, payment);
}

/** How the provider's answer is recorded on the payment as it is by then. */
export interface Settlement {
  /** The payment's new status and reason; null leaves the row as it is. */
  readonly update: { readonly status: PaymentStatus; readonly reason: string | null } | null;
  /** The provider took money a compensation already gave up on: give it back. */
  readonly refund: boolean;
  readonly outcome: ChargeOutcome;
}

/** Why money taken after the order's compensation went back. */
export const REFUNDED_LATE = 'charged after the order was compensated; refunded';

/**
 * The provider's answer on the payment: a PENDING payment becomes CAPTURED or DECLINED; one
 * another call settled first answers as it was settled (the provider gave both calls the same
 * answer); one a compensation settled while the charge was in flight is refused, and gets the
 * money back if the provider took it after the compensation looked.
 */
export function settle(
  orderId: string,
  current: Pick<KnownPayment, 'status' | 'reason'>,
  charge: Pick<Charge, 'status' | 'reason'>,
): Settlement {
  if (current.status === 'PENDING') {
    const next: Pick<KnownPayment, 'status' | 'reason'> =
      charge.status === 'SUCCEEDED'
        ? { status: 'CAPTURED', reason: null }
        : charge.status === 'DECLINED'
          ? { status: 'DECLINED', reason: charge.reason ?? 'declined' }
          : { status: 'REFUNDED', reason: 'refunded at the provider' };
    return { update: next, refund: false, outcome: answerFor(orderId, next) };
  }
  // VOIDED: the compensation found no money taken, so this charge landed after it. (REFUNDED:
  // it found the key's charge and gave it back; the provider has one charge per key.)
  if (current.status === 'VOIDED' && charge.status === 'SUCCEEDED') {
    const next = { status: 'REFUNDED', reason: REFUNDED_LATE } as const;
    return { update: next, refund: true, outcome: answerFor(orderId, next) };
  }
  return { update: null, refund: false, outcome: answerFor(orderId, current) };
}
