import type { SyncChargeRequest } from '@seckill/contracts';
import {
  chargeStepFor,
  type KnownPayment,
  ORDER_SETTLED,
  REFUNDED_LATE,
  settle,
} from './sync-payment-rules';

const request: SyncChargeRequest = {
  orderId: 'o-1',
  saleId: 's-1',
  userId: 'u-1',
  quantity: 2,
  amountCents: 3998,
};

const payment = (fields: Partial<KnownPayment>): KnownPayment => ({
  saleId: 's-1',
  userId: 'u-1',
  quantity: 2,
  amountCents: 3998,
  status: 'PENDING',
  reason: null,
  ...fields,
});

describe('chargeStepFor', () => {
  it('charges a PENDING payment again (an earlier call timed out or died)', () => {
    expect(chargeStepFor(request, payment({ status: 'PENDING' }))).toBe('charge');
  });

  it('answers a settled payment as it was settled', () => {
    expect(chargeStepFor(request, payment({ status: 'CAPTURED' }))).toEqual({ kind: 'captured' });
    expect(chargeStepFor(request, payment({ status: 'DECLINED', reason: 'no funds' }))).toEqual({
      kind: 'refused',
      status: 402,
      code: 'PAYMENT_DECLINED',
      detail: 'The payment provider declined the charge of order o-1: no funds.',
    });
  });

  it('never charges an order a compensation settled, whatever its row says', () => {
    const tombstone = payment({
      saleId: '',
      userId: '',
      quantity: 0,
      amountCents: 0,
      status: 'VOIDED',
      reason: 'SYNC_COMPENSATION',
    });
    expect(chargeStepFor(request, tombstone)).toEqual({
      kind: 'refused',
      status: 409,
      code: ORDER_SETTLED,
      detail: 'The payment of order o-1 is VOIDED (SYNC_COMPENSATION).',
    });
    expect(chargeStepFor(request, payment({ status: 'REFUNDED' }))).toMatchObject({
      status: 409,
      code: ORDER_SETTLED,
    });
  });

  it('refuses the order id with other parameters (a charge of another amount)', () => {
    for (const other of [{ amountCents: 1 }, { quantity: 1 }, { userId: 'u-2' }]) {
      expect(chargeStepFor(request, payment({ status: 'CAPTURED', ...other }))).toMatchObject({
        status: 409,
        code: 'IDEMPOTENCY_KEY_REUSED',
      });
    }
  });
});

describe('settle', () => {
  const pending = { status: 'PENDING', reason: null } as const;

  it('records the provider’s answer on a PENDING payment', () => {
    expect(settle('o-1', pending, { status: 'SUCCEEDED', reason: null })).toEqual({
      update: { status: 'CAPTURED', reason: null },
      refund: false,
      outcome: { kind: 'captured' },
    });
    expect(settle('o-1', pending, { status: 'DECLINED', reason: 'no funds' })).toMatchObject({
      update: { status: 'DECLINED', reason: 'no funds' },
      refund: false,
      outcome: { status: 402, code: 'PAYMENT_DECLINED' },
    });
  });

  it('leaves a payment another call settled first, and answers as it did', () => {
    const captured = { status: 'CAPTURED', reason: null } as const;
    expect(settle('o-1', captured, { status: 'SUCCEEDED', reason: null })).toEqual({
      update: null,
      refund: false,
      outcome: { kind: 'captured' },
    });
  });

  it('refunds money taken after a compensation voided the payment, and refuses the call', () => {
    const voided = { status: 'VOIDED', reason: 'SYNC_COMPENSATION' } as const;
    expect(settle('o-1', voided, { status: 'SUCCEEDED', reason: null })).toMatchObject({
      update: { status: 'REFUNDED', reason: REFUNDED_LATE },
      refund: true,
      outcome: { status: 409, code: ORDER_SETTLED },
    });
    expect(settle('o-1', voided, { status: 'DECLINED', reason: 'no funds' })).toMatchObject({
      update: null,
      refund: false,
      outcome: { status: 409 },
    });
    // A refunded payment's compensation already gave the key's one charge back.
    const refunded = { status: 'REFUNDED', reason: 'SYNC_COMPENSATION' } as const;
    expect(settle('o-1', refunded, { status: 'SUCCEEDED', reason: null })).toMatchObject({
      update: null,
      refund: false,
      outcome: { status: 409 },
    });
  });
});
