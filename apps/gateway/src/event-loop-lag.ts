import { Injectable, OnApplicationShutdown } from '@nestjs/common';

/**
 * How late the gateway's event loop runs: a timer due every `intervalMs` is measured against
 * when it fires. A crowd that arrives faster than the loop can serve waits in sockets and in
 * the loop's queue, where no deadline sees it; a late timer is the cheapest sign of that wait.
 * PurchaseFrontDoor sheds purchases while the lag is above its bound, so the queue drains at
 * the cost of a shed answer (~0.1 ms) instead of a purchase's (~1 ms), and no buyer's client
 * times out waiting for an answer the shop would still give (SRE book, "Handling Overload").
 */
@Injectable()
export class EventLoopLag implements OnApplicationShutdown {
  private lag = 0;
  private expected: number;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs = 20,
    private readonly now: () => number = () => performance.now(),
    schedule = true,
  ) {
    this.expected = now() + intervalMs;
    if (schedule) {
      this.timer = setInterval(() => this.sample(), intervalMs);
      this.timer.unref();
    }
  }

  /** The lag of the latest sample, in milliseconds. */
  get currentMs(): number {
    return this.lag;
  }

  /** One tick of the timer: how late it fired. */
  sample(): void {
    const now = this.now();
    this.lag = Math.max(0, now - this.expected);
    this.expected = now + this.intervalMs;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
