import { allocate, amountCents } from './reservation-rules';

describe('amountCents', () => {
  it('is the quoted unit price times the quantity, in integer cents', () => {
    expect(amountCents(1999, 3)).toBe(5997);
    expect(amountCents(0, 2)).toBe(0);
  });

  it('refuses an amount that is not a whole, safe number of cents', () => {
    expect(() => amountCents(19.99, 1)).toThrow(RangeError);
    expect(() => amountCents(Number.MAX_SAFE_INTEGER, 2)).toThrow(RangeError);
  });
});

describe('allocate', () => {
  const request = (orderId: string, saleId: string, quantity: number) => ({
    orderId,
    saleId,
    quantity,
  });

  it('takes units in request order while they last; a later, smaller request may still fit', () => {
    const requests = [
      request('a', 's1', 2),
      request('b', 's1', 3), // 1 left: rejected
      request('c', 's1', 1), // fits the last unit
      request('d', 's1', 1), // nothing left
      request('e', 's2', 5),
    ];
    const decided = allocate(
      requests,
      new Map([
        ['s1', 3],
        ['s2', 5],
      ]),
    );
    expect(decided.map((d) => [d.request.orderId, d.taken])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
      ['d', false],
      ['e', true],
    ]);
    expect(decided[0]?.request).toBe(requests[0]);
  });

  it('takes exactly what is available when requests exceed it, and nothing of an unknown sale', () => {
    const requests = Array.from({ length: 50 }, (_, n) => request(`o${n}`, 's1', (n % 3) + 1));
    const decided = allocate([...requests, request('x', 'unknown', 1)], new Map([['s1', 17]]));
    const taken = decided.filter((d) => d.taken).map((d) => d.request);
    // Never more than the 17 units, and no unit left while a 1-unit request came after.
    expect(taken.reduce((sum, r) => sum + r.quantity, 0)).toBe(17);
    expect(taken.map((r) => r.saleId)).not.toContain('unknown');
  });
});
