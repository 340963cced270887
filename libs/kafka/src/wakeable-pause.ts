/**
 * A pause that `wake()` ends early, for polling loops that also get told when there is work
 * (the outbox relay after a commit, the payment capturer when a slot frees). A wake while no
 * pause is running is kept: the next pause returns at once, so a wake is never lost between two
 * looks.
 */
export class WakeablePause {
  private woken = false;
  private wakeUp: (() => void) | undefined;

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Resolves after `ms`, or at the next (or an earlier, unconsumed) `wake()`. */
  pause(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
