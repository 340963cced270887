import {
  deadlineVerdict,
  type NextStepProgress,
  nextStepOffered,
  type OverdueOrder,
} from './deadline-sweeper';

const order = (overrides: Partial<OverdueOrder>): OverdueOrder => ({
  order_id: 'o-1',
  sale_id: 's-1',
  user_id: 'u-1',
  quantity: 1,
  status: 'PENDING',
  created_partition: 2,
  created_offset: 40n,
  reserved_partition: null,
  reserved_offset: null,
  deadline_held_until: null,
  offered_late_at: null,
  ...overrides,
});

/** inventory-service has committed offset 41 on partition 2; payment-service 7 on partition 0. */
const progress: NextStepProgress = {
  pending: new Map([
    [2, 41n],
    [3, -1n],
  ]),
  reserved: new Map([[0, 7n]]),
};

describe('nextStepOffered', () => {
  it('is true for a PENDING order once inventory-service committed past its order.created', () => {
    expect(nextStepOffered(order({ created_offset: 40n }), progress)).toBe(true);
  });

  it('is false for a PENDING order whose order.created is the next one to read, or later', () => {
    expect(nextStepOffered(order({ created_offset: 41n }), progress)).toBe(false);
    expect(nextStepOffered(order({ created_offset: 900n }), progress)).toBe(false);
  });

  it('is false on a partition the group never committed on', () => {
    expect(nextStepOffered(order({ created_partition: 3, created_offset: 0n }), progress)).toBe(
      false,
    );
    expect(nextStepOffered(order({ created_partition: 5, created_offset: 0n }), progress)).toBe(
      false,
    );
  });

  it('asks payment-service’s offsets for a RESERVED order, on inventory.reserved’s position', () => {
    const reserved = (offset: bigint) =>
      order({ status: 'RESERVED', reserved_partition: 0, reserved_offset: offset });
    expect(nextStepOffered(reserved(6n), progress)).toBe(true);
    expect(nextStepOffered(reserved(7n), progress)).toBe(false);
  });

  it('has nothing to wait for when the read model kept no position', () => {
    expect(
      nextStepOffered(order({ created_partition: null, created_offset: null }), progress),
    ).toBe(true);
    expect(nextStepOffered(order({ status: 'RESERVED' }), progress)).toBe(true);
  });
});

describe('deadlineVerdict', () => {
  const earlier = new Date('2026-12-03T12:00:00Z');
  const queued = { created_offset: 41n };
  const read = { created_offset: 40n };

  it('holds an order whose next step is still queued, however often it was held', () => {
    expect(deadlineVerdict(order(queued), progress)).toBe('hold');
    expect(deadlineVerdict(order({ ...queued, deadline_held_until: earlier }), progress)).toBe(
      'hold',
    );
  });

  it('cancels an order read in time', () => {
    expect(deadlineVerdict(order(read), progress)).toBe('cancel');
  });

  it('gives a held order one full hold once it is read, then cancels it', () => {
    const held = order({ ...read, deadline_held_until: earlier });
    expect(deadlineVerdict(held, progress)).toBe('grace');
    expect(deadlineVerdict({ ...held, offered_late_at: earlier }, progress)).toBe('cancel');
  });
});
