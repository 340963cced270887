/**
 * kafkajs sends a group heartbeat only when the consumer asks for one: between fetches, and when
 * an `eachBatch` handler calls `heartbeat()`. It has no background thread. A chunk whose handler
 * runs longer than the session timeout (a database stall, a slow payment provider) would get a
 * healthy member evicted, and its partitions rebalanced under the work still running. So while
 * a chunk runs, a timer asks for a heartbeat every `everyMs`; kafkajs itself skips the request
 * when the last one is more recent than its heartbeat interval.
 */
export async function withHeartbeats<T>(
  heartbeat: () => Promise<void>,
  everyMs: number,
  work: () => Promise<T>,
  onError: (error: unknown) => void,
): Promise<T> {
  // A failed heartbeat (a rebalance under way, the coordinator moving) is not the work's
  // failure: the batch loop sees the rebalance through isStale() once the chunk is done.
  const timer = setInterval(() => {
    heartbeat().catch(onError);
  }, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
