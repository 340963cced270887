/** Small async helpers the tools share: a read that must not hang, an error as one line. */

/** Rejects with "no answer within N ms" if `promise` has not settled by then. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An error's message, or the thrown value as text. */
export const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** A loop started by `repeatEvery`; `stop` ends its pause at once and waits for the step running. */
export interface Repeating {
  stop(): Promise<void>;
}

/**
 * Runs `step` now and then every `everyMs`, from the start of one run to the start of the next,
 * never two at once, until stopped. `step` must not throw: it reports its own failures (a store
 * that is down is a reading, not an exception).
 */
export function repeatEvery(everyMs: number, step: () => Promise<void>): Repeating {
  let running = true;
  let wake = (): void => undefined;
  const loop = (async () => {
    while (running) {
      const startedAt = Date.now();
      await step();
      if (!running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, everyMs - (Date.now() - startedAt)));
        // Stopping ends the pause at once, rather than up to everyMs later.
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    stop: async () => {
      running = false;
      wake();
      await loop;
    },
  };
}
