/**
 * The runner's processing-rate cap as one decision: how many of a chunk's events may go now, or
 * how long the partition waits and why. It combines the group's own cap with the lower one of a
 * busier workload it yields to (`yieldTo`); the token bucket itself is in rate-limit.ts.
 */
import { bucketCapacity, Clock, TokenBucket } from './rate-limit';

export interface YieldPolicy {
  readonly busy: () => boolean;
  /** The rate while busy: low, but not 0, so the read model never starves in a long sale. */
  readonly maxEventsPerSecond: number;
}

export interface RateCapOptions {
  /** Events a second; `Infinity` or 0: no cap. */
  readonly maxEventsPerSecond: number;
  readonly yieldTo?: YieldPolicy;
  /** The largest chunk: a bucket banks at least this much, so a full chunk can go. */
  readonly maxBatchEvents: number;
  /** kafkajs's fetch wait: what accrues during it is banked too (see bucketCapacity). */
  readonly fetchWaitMs: number;
  readonly clock: Clock;
}

/** `take` events go now (maybe fewer than asked), or none until `waitMs` has passed. */
export type CapDecision =
  { readonly take: number } | { readonly waitMs: number; readonly reason: 'yield' | 'rate_limit' };

export class RateCap {
  private readonly bucket: TokenBucket | undefined;
  /** The lower cap of `yieldTo`, taken from only while its workload is busy. */
  private readonly yieldBucket: TokenBucket | undefined;

  constructor(private readonly options: RateCapOptions) {
    const { maxEventsPerSecond: rate, yieldTo, maxBatchEvents, fetchWaitMs, clock } = options;
    this.bucket =
      Number.isFinite(rate) && rate > 0
        ? new TokenBucket(rate, bucketCapacity(rate, maxBatchEvents, fetchWaitMs), clock)
        : undefined;
    this.yieldBucket = yieldTo
      ? new TokenBucket(
          yieldTo.maxEventsPerSecond,
          bucketCapacity(yieldTo.maxEventsPerSecond, maxBatchEvents, fetchWaitMs),
          clock,
        )
      : undefined;
  }

  /** The group's own cap; undefined: none. */
  get ratePerSecond(): number | undefined {
    return this.bucket?.ratePerSecond;
  }

  /**
   * Takes tokens for up to `wanted` (≥ 1) events: at most a bucket's capacity, all or nothing per
   * bucket. Tokens the yield bucket gave are spent even if the group's own bucket then refuses:
   * both caps hold over time, and the wait is for the one that is short.
   */
  take(wanted: number): CapDecision {
    let n = wanted;
    const yielding = this.yieldBucket && this.options.yieldTo?.busy() ? this.yieldBucket : null;
    if (yielding) {
      n = Math.min(n, yielding.capacity);
      if (!yielding.tryTake(n)) return { waitMs: yielding.msUntil(n), reason: 'yield' };
    }
    if (this.bucket) {
      n = Math.min(n, this.bucket.capacity);
      if (!this.bucket.tryTake(n)) return { waitMs: this.bucket.msUntil(n), reason: 'rate_limit' };
    }
    return { take: n };
  }
}
