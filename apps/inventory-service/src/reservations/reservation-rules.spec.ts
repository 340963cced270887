import { amountCents } from './reservation-rules';

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
