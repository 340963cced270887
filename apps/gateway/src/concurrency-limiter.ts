export interface ConcurrencyLimiterOptions {
  /** Requests in flight to the upstream at most. */
  readonly limit: number;
  /** Requests waiting for a slot at most; beyond it a request is shed at once. */
  readonly maxWaiting: number;
}

/** A slot in flight; give it back exactly once, when the upstream answered (or failed). */
export interface Permit {
  release(): void;
}

interface Waiter {
  readonly grant: (permit: Permit | null) => void;
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
 * loop, so more concurrency than it overlaps only adds queueing inside it. The wait is what
 * absorbs a burst: a slot frees every few milliseconds.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly options: ConcurrencyLimiterOptions) {}

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** True when a new request would be refused at once: every slot taken, the queue full. */
  get saturated(): boolean {
    return this.active >= this.options.limit && this.waiters.length >= this.options.maxWaiting;
  }

  /** A permit at once if a slot is free, else after waiting at most `maxWaitMs`; null: shed. */
  acquire(maxWaitMs: number): Promise<Permit | null> {
    if (this.active < this.options.limit) return Promise.resolve(this.take());
    if (this.waiters.length >= this.options.maxWaiting || maxWaitMs <= 0) {
      return Promise.resolve(null);
    }
    return new Promise<Permit | null>((resolve) => {
      const waiter: Waiter = { grant: resolve, timer: undefined };
      waiter.timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(null);
      }, maxWaitMs);
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

  /** A freed slot goes to the oldest waiter, if any. */
  private handOver(): void {
    const next = this.waiters.shift();
    if (!next) return;
    clearTimeout(next.timer);
    next.grant(this.take());
  }
}
