import {
  effectOf,
  fold,
  LIFECYCLE_STATUSES,
  type LifecycleFact,
  type LifecycleStatus,
  transition,
} from './order-state';

const created: LifecycleFact = { type: 'order.created' };
const reserved: LifecycleFact = { type: 'inventory.reserved' };
const rejected: LifecycleFact = { type: 'inventory.rejected' };
const paid: LifecycleFact = { type: 'payment.succeeded' };
const paymentFailed: LifecycleFact = { type: 'payment.failed' };
const refunded: LifecycleFact = { type: 'payment.refunded' };
const shipped: LifecycleFact = { type: 'shipment.created' };
const cancelled: LifecycleFact = { type: 'order.cancelled' };
const releasedAfterFailure: LifecycleFact = {
  type: 'inventory.released',
  reason: 'PAYMENT_FAILED',
};
const releasedAfterCancel: LifecycleFact = {
  type: 'inventory.released',
  reason: 'ORDER_CANCELLED',
};

const ALL_FACTS: readonly LifecycleFact[] = [
  created,
  reserved,
  rejected,
  paid,
  paymentFailed,
  refunded,
  shipped,
  cancelled,
  releasedAfterFailure,
  releasedAfterCancel,
];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [
      item,
      ...rest,
    ]),
  );
}

describe('the order state machine', () => {
  it('walks the happy path in order', () => {
    expect(fold([created])).toBe('PENDING');
    expect(fold([created, reserved])).toBe('RESERVED');
    expect(fold([created, reserved, paid])).toBe('PAID');
    expect(fold([created, reserved, paid, shipped])).toBe('SHIPPED');
  });

  it('ends SHIPPED whatever order the happy path arrives in (all 24 of them)', () => {
    const orders = permutations([created, reserved, paid, shipped]);
    expect(orders).toHaveLength(24);
    for (const facts of orders) expect(fold(facts)).toBe('SHIPPED');
  });

  it('jumps ahead when a later event overtakes an earlier one, and never goes back', () => {
    expect(transition('PENDING', shipped)).toEqual({
      status: 'SHIPPED',
      moved: true,
      label: 'SHIPPED',
    });
    expect(transition('PAID', reserved)).toEqual({
      status: 'PAID',
      moved: false,
      label: 'RESERVED',
    });
    expect(transition('RESERVED', created)).toMatchObject({ status: 'RESERVED', moved: false });
  });

  it('keeps CANCELLED whatever comes after it, and notes the refund', () => {
    for (const fact of ALL_FACTS) {
      expect(transition('CANCELLED', fact).status).toBe('CANCELLED');
    }
    expect(transition('CANCELLED', paid)).toEqual({
      status: 'CANCELLED',
      moved: false,
      label: 'PAID',
    });
    expect(transition('CANCELLED', refunded)).toEqual({
      status: 'CANCELLED',
      moved: false,
      label: 'REFUNDED',
    });
    expect(fold([created, reserved, cancelled, paid, refunded, releasedAfterCancel])).toBe(
      'CANCELLED',
    );
  });

  it('keeps FAILED terminal: a rejected or unpaid order never moves again', () => {
    for (const fact of ALL_FACTS) {
      expect(transition('FAILED', fact).status).toBe('FAILED');
    }
    expect(fold([created, rejected, reserved, paid, shipped])).toBe('FAILED');
    expect(fold([reserved, paymentFailed, paid])).toBe('FAILED');
    // inventory.released may overtake payment.failed: the order fails all the same.
    expect(fold([created, reserved, releasedAfterFailure, paymentFailed])).toBe('FAILED');
  });

  it('keeps SHIPPED: a shipped order is not cancelled or failed by a late event', () => {
    for (const fact of ALL_FACTS) {
      expect(transition('SHIPPED', fact).status).toBe('SHIPPED');
    }
  });

  it('cancels an unpaid order, whichever of cancellation and release arrives first', () => {
    expect(fold([created, reserved, cancelled, releasedAfterCancel])).toBe('CANCELLED');
    expect(fold([created, releasedAfterCancel, reserved, cancelled])).toBe('CANCELLED');
  });

  it('reaches the same end state from any non-terminal start, for every event', () => {
    const open: LifecycleStatus[] = ['PENDING', 'RESERVED', 'PAID'];
    for (const start of open) {
      for (const fact of ALL_FACTS) {
        const { target } = effectOf(fact);
        const next = transition(start, fact).status;
        expect(LIFECYCLE_STATUSES).toContain(next);
        // Forward only: either the target (if ahead) or where it was.
        expect([start, target]).toContain(next);
      }
    }
  });
});
