/**
 * Whether purchases are being admitted right now: in flight, or one finished within the last
 * `quietMs`. The read-model consumer yields to admission while this says busy (ADR 0006), so in
 * a spike the buyers' answers get the event loop and the read model becomes lag.
 */
export class HotPathActivity {
  private inFlight = 0;
  private lastEndedAt = 0;

  constructor(
    private readonly quietMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  get busy(): boolean {
    return this.inFlight > 0 || this.now() - this.lastEndedAt < this.quietMs;
  }

  /** Counts `work` as hot-path activity while it runs. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
      this.lastEndedAt = this.now();
    }
  }
}
