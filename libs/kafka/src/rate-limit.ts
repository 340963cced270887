/** Milliseconds since the epoch; injectable so the bucket can be tested with a fake clock. */
export type Clock = () => number;

/**
 * The consumer's processing-rate cap (peak shaving): `ratePerSecond` tokens a second, at most
 * `capacity` banked. One token is one event written to the database. A spike drains the bucket,
 * the runner then pauses its partitions and the rest of the spike waits in Kafka as lag.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    private readonly now: Clock = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new Error(`rate must be a positive number of events per second, got ${ratePerSecond}`);
    }
    if (!(capacity >= 1)) throw new Error(`capacity must be at least 1, got ${capacity}`);
    this.tokens = capacity;
    this.updatedAt = now();
  }

  /** Takes `n` tokens if they are all there; otherwise takes none. */
  tryTake(n: number): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** How long until `n` tokens (at most `capacity`) are there; 0 if they are now. */
  msUntil(n: number): number {
    this.refill();
    const missing = Math.min(n, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond);
  }

  /** Tokens there now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}

/**
 * How many events the bucket may bank: enough for one full chunk plus what accrues while a
 * resumed partition waits for kafkajs's next fetch (up to `fetchWaitMs`: kafkajs sleeps that long
 * when every partition of a broker is paused). With less, tokens overflow during that wait and
 * the consumer runs below its cap; with more, a spike after a quiet spell bursts further above it.
 * Never more than one second's worth.
 */
export function bucketCapacity(
  ratePerSecond: number,
  maxBatchEvents: number,
  fetchWaitMs: number,
): number {
  const wanted = maxBatchEvents + Math.ceil((ratePerSecond * fetchWaitMs) / 1000);
  return Math.max(1, Math.min(Math.ceil(ratePerSecond), wanted));
}

/** The part of a kafkajs consumer that pausing needs. */
export interface PausableConsumer {
  pause(topics: Array<{ topic: string; partitions: number[] }>): void;
  resume(topics: Array<{ topic: string; partitions: number[] }>): void;
  seek(target: { topic: string; partition: number; offset: string }): void;
}

/**
 * Partitions the runner stopped reading for a while: fetching is paused (nothing more is read
 * into memory), the position is set back to the first unprocessed offset, and a timer resumes
 * the partition when it is due. `clear()` (on stop) cancels every timer.
 */
export class PausedPartitions {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly consumer: PausableConsumer,
    private readonly onError: (error: unknown, topic: string, partition: number) => void = () =>
      undefined,
  ) {}

  /** Pauses `topic`/`partition` at `offset` for `delayMs`; a second call replaces the first. */
  pauseUntil(topic: string, partition: number, offset: string, delayMs: number): void {
    const key = `${topic}/${partition}`;
    const previous = this.timers.get(key);
    if (previous) clearTimeout(previous);
    try {
      this.consumer.pause([{ topic, partitions: [partition] }]);
      this.consumer.seek({ topic, partition, offset });
    } catch (error) {
      // Lost the partition (rebalance) or the consumer stopped: its next owner starts from the
      // committed offset, which is what the seek pointed at anyway.
      this.onError(error, topic, partition);
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        try {
          this.consumer.resume([{ topic, partitions: [partition] }]);
        } catch (error) {
          this.onError(error, topic, partition);
        }
      },
      Math.max(0, delayMs),
    );
    timer.unref?.();
    this.timers.set(key, timer);
  }

  isPaused(topic: string, partition: number): boolean {
    return this.timers.has(`${topic}/${partition}`);
  }

  get size(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
