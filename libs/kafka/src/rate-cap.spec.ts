import { RateCap } from './rate-cap';

describe('RateCap', () => {
  it('takes all or nothing, at most a bucket, and says how long until the rest is there', () => {
    let now = 0;
    // 1000/s, chunks of up to 100: the bucket banks 100 + 200 ms of tokens = 300.
    const cap = new RateCap({
      maxEventsPerSecond: 1000,
      maxBatchEvents: 100,
      fetchWaitMs: 200,
      clock: () => now,
    });
    expect(cap.ratePerSecond).toBe(1000);
    expect(cap.take(100)).toEqual({ take: 100 });
    // 500 asks for a full bucket (300); 200 are there, so it waits for the other 100.
    expect(cap.take(500)).toEqual({ waitMs: 100, reason: 'rate_limit' });
    now += 100;
    expect(cap.take(500)).toEqual({ take: 300 }); // cut to what a bucket holds
    expect(cap.take(50)).toEqual({ waitMs: 50, reason: 'rate_limit' });
    now += 50;
    expect(cap.take(50)).toEqual({ take: 50 });
  });

  it('has no cap for Infinity or 0', () => {
    for (const maxEventsPerSecond of [Number.POSITIVE_INFINITY, 0]) {
      const cap = new RateCap({
        maxEventsPerSecond,
        maxBatchEvents: 10,
        fetchWaitMs: 200,
        clock: () => 0,
      });
      expect(cap.ratePerSecond).toBeUndefined();
      expect(cap.take(1_000_000)).toEqual({ take: 1_000_000 });
    }
  });

  it('takes from the lower yield cap only while the other workload is busy', () => {
    let now = 0;
    let busy = true;
    const cap = new RateCap({
      maxEventsPerSecond: 1000,
      yieldTo: { busy: () => busy, maxEventsPerSecond: 5 },
      maxBatchEvents: 100,
      fetchWaitMs: 200,
      clock: () => now,
    });
    expect(cap.take(100)).toEqual({ take: 5 }); // the yield bucket holds a second at 5/s
    expect(cap.take(100)).toEqual({ waitMs: 1000, reason: 'yield' });
    now += 200;
    expect(cap.take(1)).toEqual({ take: 1 });
    busy = false;
    expect(cap.take(100)).toEqual({ take: 100 });
  });
});
