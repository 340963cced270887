import { BatcherClosedError, BatcherOverloadedError, MicroBatcher } from './micro-batcher';

/** A flush whose completion the test controls. */
function controlledFlush() {
  const batches: number[][] = [];
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const flush = (items: readonly number[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push([...items]);
      pending.push({ resolve, reject });
    });
  return { flush, batches, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MicroBatcher', () => {
  it('flushes items added together as one batch after the linger', async () => {
    const flushed: number[][] = [];
    const batcher = new MicroBatcher<number>(
      async (items) => {
        flushed.push([...items]);
      },
      { maxBatchSize: 100, lingerMs: 1, maxPending: 1000 },
    );
    await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    expect(flushed).toEqual([[1, 2, 3]]);
  });

  it('flushes at once when a batch is full, and never more than maxBatchSize', async () => {
    const { flush, batches, pending } = controlledFlush();
    const batcher = new MicroBatcher<number>(flush, {
      maxBatchSize: 2,
      lingerMs: 60_000,
      maxPending: 1000,
    });
    const added = [1, 2, 3, 4, 5].map((n) => batcher.add(n));
    expect(batches).toEqual([[1, 2]]); // full: no linger
    pending.shift()!.resolve();
    await tick();
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    pending.shift()!.resolve();
    await tick();
    pending.shift()!.resolve();
    await Promise.all(added);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('keeps one flush in flight and gathers what arrives meanwhile into the next', async () => {
    const { flush, batches, pending } = controlledFlush();
    const batcher = new MicroBatcher<number>(flush, {
      maxBatchSize: 100,
      lingerMs: 0,
      maxPending: 1000,
    });
    const first = batcher.add(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(batches).toEqual([[1]]);
    const later = [2, 3, 4].map((n) => batcher.add(n));
    await tick();
    expect(batches).toHaveLength(1); // waiting for the flush in flight
    pending.shift()!.resolve();
    await first;
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    pending.shift()!.resolve();
    await Promise.all(later);
  });

  it('rejects every caller of a failed flush with its error, and goes on with the next', async () => {
    const { flush, pending } = controlledFlush();
    const batcher = new MicroBatcher<number>(flush, {
      maxBatchSize: 2,
      lingerMs: 0,
      maxPending: 1000,
    });
    const [a, b, c] = [1, 2, 3].map((n) => batcher.add(n));
    pending.shift()!.reject(new Error('broker down'));
    await expect(a).rejects.toThrow('broker down');
    await expect(b).rejects.toThrow('broker down');
    await tick();
    pending.shift()!.resolve();
    await expect(c).resolves.toBeUndefined();
  });

  it('refuses at once beyond maxPending instead of queueing', async () => {
    const { flush, pending } = controlledFlush();
    const batcher = new MicroBatcher<number>(flush, {
      maxBatchSize: 1,
      lingerMs: 0,
      maxPending: 2,
    });
    const inFlight = batcher.add(1);
    await tick();
    const waiting = [batcher.add(2), batcher.add(3)];
    await expect(batcher.add(4)).rejects.toBeInstanceOf(BatcherOverloadedError);
    expect(batcher.waiting).toBe(2);
    for (let i = 0; i < 3; i++) {
      pending.shift()!.resolve();
      await tick();
    }
    await Promise.all([inFlight, ...waiting]);
  });

  it('flushes what waits on close and refuses new items after', async () => {
    const flushed: number[][] = [];
    const batcher = new MicroBatcher<number>(
      async (items) => {
        flushed.push([...items]);
      },
      { maxBatchSize: 100, lingerMs: 60_000, maxPending: 1000 },
    );
    const added = [batcher.add(1), batcher.add(2)];
    await batcher.close();
    await Promise.all(added);
    expect(flushed).toEqual([[1, 2]]);
    await expect(batcher.add(3)).rejects.toBeInstanceOf(BatcherClosedError);
  });
});
