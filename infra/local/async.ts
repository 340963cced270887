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
