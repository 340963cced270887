export interface CoalescerOptions<I> {
  /** How much one input weighs (default 1); a run takes inputs up to `maxWeight` together. */
  readonly weight?: (input: I) => number;
  /** The most weight in one run; an input heavier than this still runs, alone. */
  readonly maxWeight: number;
}

interface Waiting<I, R> {
  readonly input: I;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs concurrent `add(input)` calls as few `run(inputs)` calls, one at a time: group commit.
 * Inputs added in the same event-loop turn run together; inputs added while a run is in flight
 * wait for it and then run together. Each caller gets its own result (`run` returns one per
 * input, in order), or the run's error.
 *
 * The consumer runner uses it for what several partitions do at once: their chunks share one
 * database transaction and their offsets one commit request, so ten partitions with one event
 * each cost one transaction, not ten.
 */
export class Coalescer<I, R> {
  private pending: Waiting<I, R>[] = [];
  private scheduled = false;
  private inFlight = false;

  constructor(
    private readonly run: (inputs: readonly I[]) => Promise<readonly R[]>,
    private readonly options: CoalescerOptions<I>,
  ) {}

  add(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.inFlight || this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    });
  }

  private async drain(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      while (this.pending.length > 0) {
        const group = this.take();
        try {
          const results = await this.run(group.map((waiting) => waiting.input));
          if (results.length !== group.length) {
            throw new Error(`run returned ${results.length} results for ${group.length} inputs`);
          }
          group.forEach((waiting, n) => waiting.resolve(results[n] as R));
        } catch (error) {
          for (const waiting of group) waiting.reject(error);
        }
      }
    } finally {
      this.inFlight = false;
    }
  }

  /** The oldest inputs up to `maxWeight`; at least one. */
  private take(): Waiting<I, R>[] {
    const weigh = this.options.weight ?? (() => 1);
    let total = 0;
    let count = 0;
    for (const waiting of this.pending) {
      const weight = weigh(waiting.input);
      if (count > 0 && total + weight > this.options.maxWeight) break;
      total += weight;
      count += 1;
    }
    return this.pending.splice(0, count);
  }
}
