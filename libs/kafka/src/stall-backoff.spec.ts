import { StallBackoff } from './stall-backoff';

describe('StallBackoff', () => {
  const policy = { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 1000 };

  it('doubles per consecutive stall of a partition, with equal jitter, up to the ceiling', () => {
    const stalls = new StallBackoff(policy, () => 1);
    expect([1, 2, 3, 4].map(() => stalls.next('t', 0))).toEqual([200, 400, 800, 1000]);
    // Another partition counts on its own; the lowest jitter is half the ceiling.
    expect(new StallBackoff(policy, () => 0).next('t', 1)).toBe(100);
    expect(stalls.next('t', 1)).toBe(200);
  });

  it('starts over once the partition got through', () => {
    const stalls = new StallBackoff(policy, () => 1);
    stalls.next('t', 0);
    stalls.next('t', 0);
    stalls.reset('t', 0);
    expect(stalls.next('t', 0)).toBe(200);
  });
});
