/** A generated Prisma client (any service's) or a `pg` Pool / Client. */
export type Pingable =
  | { $queryRawUnsafe(query: string): PromiseLike<unknown> }
  | { query(query: string): PromiseLike<unknown> };

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * Readiness probe: runs `SELECT 1` and resolves with the round trip in milliseconds, or rejects
 * with DatabaseUnavailableError. The timeout keeps a health endpoint answering while the pool
 * waits for a connection the server will never give.
 */
export async function pingDatabase(target: Pingable, timeoutMs = 2_000): Promise<number> {
  const started = performance.now();
  const query =
    '$queryRawUnsafe' in target ? target.$queryRawUnsafe('SELECT 1') : target.query('SELECT 1');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseUnavailableError(`database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    // A probe must never keep the process alive on shutdown.
    timer.unref();
  });
  try {
    await Promise.race([Promise.resolve(query), timeout]);
    return performance.now() - started;
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError(`database ping failed: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
