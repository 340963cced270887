import { ConcurrencyLimiter, type Permit } from './concurrency-limiter';

/** Whether a promise has settled, without waiting for it (after the microtasks ran). */
async function settled<T>(promise: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => (state = { done: true, value }));
  await Promise.resolve();
  await Promise.resolve();
  return state;
}

describe('ConcurrencyLimiter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('grants up to the limit at once, then queues, then refuses', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 2, maxWaiting: 1 });
    const a = await limiter.acquire(100);
    const b = await limiter.acquire(100);
    expect([a, b].every((p) => p !== null)).toBe(true);
    expect(limiter.saturated).toBe(false);

    const queued = limiter.acquire(100);
    expect(await settled(queued)).toEqual({ done: false });
    expect(limiter.saturated).toBe(true);
    expect(await limiter.acquire(100)).toBeNull(); // the queue is full: shed at once
    expect(limiter.inFlight).toBe(2);
    expect(limiter.waiting).toBe(1);
  });

  it('hands a released slot to the oldest waiter', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxWaiting: 5 });
    const first = (await limiter.acquire(100)) as Permit;
    const second = limiter.acquire(100);
    const third = limiter.acquire(100);
    first.release();
    const granted = await settled(second);
    expect(granted.done).toBe(true);
    expect(granted.value).not.toBeNull();
    expect(await settled(third)).toEqual({ done: false });
    expect(limiter.inFlight).toBe(1);
  });

  it('sheds a waiter whose wait ran out, and never grants it later', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxWaiting: 5 });
    const first = (await limiter.acquire(100)) as Permit;
    const waiting = limiter.acquire(50);
    jest.advanceTimersByTime(50);
    expect(await waiting).toBeNull();
    expect(limiter.waiting).toBe(0);
    first.release();
    expect(limiter.inFlight).toBe(0);
  });

  it('refuses at once when every slot is taken and the caller cannot wait', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxWaiting: 5 });
    await limiter.acquire(100);
    expect(await limiter.acquire(0)).toBeNull();
    expect(limiter.waiting).toBe(0);
  });

  it('counts a permit released twice once', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 2, maxWaiting: 0 });
    const permit = (await limiter.acquire(0)) as Permit;
    await limiter.acquire(0);
    permit.release();
    permit.release();
    expect(limiter.inFlight).toBe(1);
  });

  describe('a standing queue (overload, not a burst)', () => {
    const options = { limit: 1, maxWaiting: 10, standingAfterMs: 100, standingWaitMs: 10 };

    it('lets a burst wait as long as its callers allow', async () => {
      const limiter = new ConcurrencyLimiter(options);
      const first = (await limiter.acquire(1000)) as Permit;
      const waiting = limiter.acquire(1000);
      jest.advanceTimersByTime(500);
      expect(limiter.standing).toBe(true); // nobody got a slot quickly for 500 ms...
      first.release();
      expect((await settled(waiting)).value).not.toBeNull(); // ...but the early waiter keeps its wait
    });

    it('gives a newcomer only the short wait once no slot was granted quickly for the interval', async () => {
      const limiter = new ConcurrencyLimiter(options);
      await limiter.acquire(1000);
      expect(limiter.standing).toBe(false);
      expect(limiter.saturated).toBe(false);
      jest.advanceTimersByTime(101);
      expect(limiter.standing).toBe(true);
      expect(limiter.saturated).toBe(true); // the door sheds it before it costs anything
      const late = limiter.acquire(1000);
      jest.advanceTimersByTime(10);
      expect(await late).toBeNull();
      expect(limiter.waiting).toBe(0);
    });

    it('ends when a slot frees with nobody waiting, or is granted within the short wait', async () => {
      const limiter = new ConcurrencyLimiter(options);
      const a = (await limiter.acquire(1000)) as Permit;
      jest.advanceTimersByTime(200);
      expect(limiter.standing).toBe(true);
      const quick = limiter.acquire(1000);
      jest.advanceTimersByTime(5);
      a.release(); // granted after 5 ms: within the short wait
      const b = (await quick) as Permit;
      expect(b).not.toBeNull();
      expect(limiter.standing).toBe(false);
      jest.advanceTimersByTime(200);
      expect(limiter.standing).toBe(true);
      b.release(); // nobody waits
      expect(limiter.standing).toBe(false);
    });
  });
});
