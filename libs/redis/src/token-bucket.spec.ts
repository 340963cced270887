import { assertValidLimits, rateLimitKeys } from './token-bucket';

describe('token bucket keys', () => {
  it("puts both buckets in the sale's cluster slot", () => {
    const keys = rateLimitKeys('s-1', 'u-1');
    expect(keys).toEqual({ global: 'rl:{sale:s-1}:global', user: 'rl:{sale:s-1}:user:u-1' });
    const tag = (key: string) => /\{[^}]*\}/.exec(key)?.[0];
    expect(tag(keys.global)).toBe('{sale:s-1}');
    expect(tag(keys.user)).toBe(tag(keys.global));
  });
});

describe('assertValidLimits', () => {
  const valid = { global: { rate: 2000, burst: 2000 }, user: { rate: 0.5, burst: 1 } };

  it('accepts positive rates (fractions too) and whole bursts', () => {
    expect(() => assertValidLimits(valid)).not.toThrow();
  });

  it.each([
    ['a zero rate', { ...valid, user: { rate: 0, burst: 1 } }, /user rate/],
    ['an infinite rate', { ...valid, global: { rate: Infinity, burst: 1 } }, /global rate/],
    ['a zero burst', { ...valid, global: { rate: 1, burst: 0 } }, /global burst/],
    ['a fractional burst', { ...valid, user: { rate: 1, burst: 1.5 } }, /user burst/],
  ])('refuses %s', (_label, limits, message) => {
    expect(() => assertValidLimits(limits)).toThrow(message);
  });
});
