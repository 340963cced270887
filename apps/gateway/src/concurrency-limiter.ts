export interface ConcurrencyLimiterOptions {
  /** Requests in flight to the upstream at most. */
  readonly limit: number;
  /** Requests waiting for a slot at most; beyond it a request is shed at once. */
  readonly maxWaiting: number;
  /**
   * A queue in which no request got its slot within `standingWaitMs` for this long is a
   * standing queue: the load is above capacity, not a burst (default 100 ms).
   */
  readonly standingAfterMs?: number;
  /** How long a request may wait while the queue stands (default 10 ms). */
  readonly standingWaitMs?: number;
  readonly now?: () => number;
}

/** A slot in flight; give it back exactly once, when the upstream answered (or failed). */
export interface Permit {
  release(): void;
}

interface Waiter {
  readonly grant: (permit: Permit | null) => void;
  readonly since: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Bounds what the gateway forwards to order-service: at most `limit` requests in flight, and a
 * short FIFO of at most `maxWaiting` requests that wait for a slot, each no longer than the wait
 * its caller allows. Everything beyond is refused at once, so it can be answered "overloaded"
 * while that answer is still useful (SRE book, "Handling Overload": shed early and cheaply;
 * a queue longer than the deadline only turns every answer into a timeout).
 *
 * A fixed limit, sized from measurement (docs/benchmarks.md): order-service admits on one event
 * loop, so more concurrency than it overlaps only adds queueing inside it.
 *
 * The queue tells a burst from overload the way CoDel does (Nichols and Jacobson, "Controlling
 * Queue Delay"; Facebook's "Fail at Scale" applies it to server queues): a burst drains, so some
 * request soon gets its slot quickly, and a waiter may wait as long as its caller allows (its
 * deadline). When no request has got its slot within `standingWaitMs` for `standingAfterMs`,
 * arrivals outpace the upstream for good, and waiting only delays an "overloaded" answer: then
 * a new request waits `standingWaitMs` at most, and `saturated` sheds it at the door while every
 * slot is taken. Once a slot frees with nobody waiting, the queue is a burst's again.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly standingAfterMs: number;
  private readonly standingWaitMs: number;
  private readonly now: () => number;
  /** When a request last got its slot within `standingWaitMs` (at once, or after a short wait). */
  private lastQuickGrantAt: number;

  constructor(private readonly options: ConcurrencyLimiterOptions) {
    this.standingAfterMs = options.standingAfterMs ?? 100;
    this.standingWaitMs = options.standingWaitMs ?? 10;
    this.now = options.now ?? Date.now;
    this.lastQuickGrantAt = this.now();
  }

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Whether the queue stands: no request got its slot quickly for `standingAfterMs`. */
  get standing(): boolean {
    return this.now() - this.lastQuickGrantAt > this.standingAfterMs;
  }

  /**
   * True when a new request should be refused at once: every slot taken, and the queue full or
   * standing.
   */
  get saturated(): boolean {
    if (this.active < this.options.limit) return false;
    return this.waiters.length >= this.options.maxWaiting || this.standing;
  }

  /**
   * A permit at once if a slot is free, else after waiting at most `maxWaitMs` (at most
   * `standingWaitMs` while the queue stands); null: shed.
   */
  acquire(maxWaitMs: number): Promise<Permit | null> {
    if (this.active < this.options.limit) {
      this.lastQuickGrantAt = this.now();
      return Promise.resolve(this.take());
    }
    const waitMs = this.standing ? Math.min(maxWaitMs, this.standingWaitMs) : maxWaitMs;
    if (this.waiters.length >= this.options.maxWaiting || waitMs <= 0) {
      return Promise.resolve(null);
    }
    return new Promise<Permit | null>((resolve) => {
      const waiter: Waiter = { grant: resolve, since: this.now(), timer: undefined };
      waiter.timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(null);
      }, waitMs);
      this.waiters.push(waiter);
    });
  }

  private take(): Permit {
    this.active += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.active -= 1;
        this.handOver();
      },
    };
  }

  /** A freed slot goes to the oldest waiter, if any; a slot nobody waits for ends a standing queue. */
  private handOver(): void {
    const next = this.waiters.shift();
    const now = this.now();
    if (!next) {
      this.lastQuickGrantAt = now;
      return;
    }
    if (now - next.since <= this.standingWaitMs) this.lastQuickGrantAt = now;
    clearTimeout(next.timer);
    next.grant(this.take());
  }
}
