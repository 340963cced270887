/**
 * How long a partition waits after its database (or the broker, for retry and dead-letter
 * records) was unavailable: exponential with equal jitter per consecutive stall, so an outage is
 * retried calmly, never in a tight loop, and a partition that got through starts over.
 */
import { BackoffPolicy, backoffDelay } from './errors';

export class StallBackoff {
  /** Consecutive stalls per partition. */
  private readonly stalls = new Map<string, number>();

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Counts a stall of `topic`/`partition` and answers its wait. */
  next(topic: string, partition: number): number {
    const key = `${topic}/${partition}`;
    const count = (this.stalls.get(key) ?? 0) + 1;
    this.stalls.set(key, count);
    return backoffDelay(this.policy, count, this.random, 'equal');
  }

  /** The partition got through: its next stall waits the shortest again. */
  reset(topic: string, partition: number): void {
    this.stalls.delete(`${topic}/${partition}`);
  }
}
