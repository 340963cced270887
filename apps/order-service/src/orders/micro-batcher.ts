export interface MicroBatcherOptions {
  /** Most items per flush. */
  readonly maxBatchSize: number;
  /**
   * How long the first item of an idle batcher waits for company before it is flushed; 0: until
   * the end of the current event-loop turn (what other requests add in the same turn joins it).
   */
  readonly lingerMs: number;
  /** Items waiting beyond this are refused at once (BatcherOverloadedError), never queued. */
  readonly maxPending: number;
}

export class BatcherOverloadedError extends Error {
  override readonly name = 'BatcherOverloadedError';
}

export class BatcherClosedError extends Error {
  override readonly name = 'BatcherClosedError';
}

interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Turns many concurrent `add(item)` calls into few `flush(items)` calls, one at a time: each
 * caller's promise settles with the flush that carried its item.
 *
 * One flush is in flight at most. The first item of an idle batcher waits `lingerMs` for others
 * (by default only until the end of the event-loop turn); items that arrive while a flush is in
 * flight are flushed together as soon as it completes.
 * So batches grow with the load by themselves: one item each when the service is quiet, many
 * at a time under a spike, and a slow flush makes the next batch bigger, not the queue longer
 * (up to `maxPending`, beyond which callers are refused at once rather than kept waiting).
 *
 * Used for Kafka: the idempotent producer has one request in flight, so one `send` per HTTP
 * request would serialise every request behind the previous one's round trip.
 */
export class MicroBatcher<T> {
  private pending: Waiting<T>[] = [];
  /** Cancels the flush scheduled for the first waiting item, if any. */
  private cancelScheduled: (() => void) | undefined;
  private inFlight = false;
  private idle: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly flush: (items: readonly T[]) => Promise<void>,
    private readonly options: MicroBatcherOptions,
  ) {}

  /** Resolves when the flush carrying `item` succeeded; rejects with its error otherwise. */
  add(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new BatcherClosedError('the batcher is closed'));
    if (this.pending.length >= this.options.maxPending) {
      return Promise.reject(
        new BatcherOverloadedError(`${this.pending.length} items are already waiting`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.inFlight) return; // picked up when the flush in flight completes
      if (this.pending.length >= this.options.maxBatchSize) this.startFlushing();
      else this.cancelScheduled ??= this.schedule(() => this.startFlushing());
    });
  }

  /** How many items wait for a flush (not counting the one in flight). */
  get waiting(): number {
    return this.pending.length;
  }

  /** Refuses new items, flushes those waiting and resolves when the last flush completed. */
  async close(): Promise<void> {
    this.closed = true;
    this.startFlushing();
    await this.idle;
  }

  private schedule(flush: () => void): () => void {
    if (this.options.lingerMs > 0) {
      const timer = setTimeout(flush, this.options.lingerMs);
      return () => clearTimeout(timer);
    }
    const immediate = setImmediate(flush);
    return () => clearImmediate(immediate);
  }

  private startFlushing(): void {
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
    if (this.inFlight || this.pending.length === 0) return;
    this.inFlight = true;
    this.idle = this.flushAll();
  }

  /** Flushes until nothing waits; `inFlight` drops in the same tick the last check passes. */
  private async flushAll(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.options.maxBatchSize);
        try {
          await this.flush(batch.map((waiting) => waiting.item));
          for (const waiting of batch) waiting.resolve();
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.inFlight = false;
    }
  }
}
