import { bucketCapacity, PausableConsumer, PausedPartitions, TokenBucket } from './rate-limit';

describe('TokenBucket', () => {
  it('starts full, refills at the rate and never banks more than its capacity', () => {
    let now = 1_000_000;
    const bucket = new TokenBucket(100, 10, () => now);
    expect(bucket.tryTake(10)).toBe(true);
    expect(bucket.tryTake(1)).toBe(false);
    now += 50; // 5 tokens at 100/s
    expect(bucket.tryTake(6)).toBe(false);
    expect(bucket.tryTake(5)).toBe(true);
    now += 60_000;
    expect(bucket.available()).toBe(10);
  });

  it('takes all or nothing, and says how long until a chunk is there', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 300, () => now);
    expect(bucket.tryTake(300)).toBe(true);
    expect(bucket.msUntil(100)).toBe(100);
    // A wish beyond the capacity waits only for the capacity.
    expect(bucket.msUntil(1000)).toBe(300);
    now += 99;
    expect(bucket.tryTake(100)).toBe(false);
    expect(bucket.msUntil(100)).toBe(1);
    now += 1;
    expect(bucket.msUntil(100)).toBe(0);
    expect(bucket.tryTake(100)).toBe(true);
  });

  it('lets through the rate over time, whatever the chunk sizes (the cap a spike sees)', () => {
    let now = 0;
    const rate = 1000;
    const bucket = new TokenBucket(rate, bucketCapacity(rate, 100, 200), () => now);
    let taken = 0;
    // A consumer that always has a backlog: takes a chunk when it can, else waits as told.
    while (now < 60_000) {
      const chunk = 1 + (taken % 100);
      if (bucket.tryTake(chunk)) taken += chunk;
      else now += bucket.msUntil(chunk);
    }
    // 60 s at 1000/s, plus at most the one bucket that was full at the start.
    expect(taken).toBeGreaterThanOrEqual(60_000 - 100);
    expect(taken).toBeLessThanOrEqual(60_000 + bucketCapacity(rate, 100, 200));
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => new TokenBucket(0, 1)).toThrow();
    expect(() => new TokenBucket(Number.POSITIVE_INFINITY, 1)).toThrow();
  });
});

describe('bucketCapacity', () => {
  it('holds a chunk plus what accrues during one fetch wait, at most a second of events', () => {
    expect(bucketCapacity(1000, 100, 200)).toBe(300);
    expect(bucketCapacity(10, 100, 200)).toBe(10);
    expect(bucketCapacity(0.5, 100, 200)).toBe(1);
  });
});

describe('PausedPartitions', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function fakeConsumer() {
    const calls: string[] = [];
    const consumer: PausableConsumer = {
      pause: ([tp]) => void calls.push(`pause ${tp?.topic}/${tp?.partitions.join()}`),
      resume: ([tp]) => void calls.push(`resume ${tp?.topic}/${tp?.partitions.join()}`),
      seek: ({ topic, partition, offset }) =>
        void calls.push(`seek ${topic}/${partition}@${offset}`),
    };
    return { consumer, calls };
  }

  it('pauses, seeks back to the first unprocessed offset and resumes when due', () => {
    const { consumer, calls } = fakeConsumer();
    const paused = new PausedPartitions(consumer);
    paused.pauseUntil('t', 3, '42', 100);
    expect(calls).toEqual(['pause t/3', 'seek t/3@42']);
    expect(paused.isPaused('t', 3)).toBe(true);
    jest.advanceTimersByTime(99);
    expect(calls).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual(['pause t/3', 'seek t/3@42', 'resume t/3']);
    expect(paused.size).toBe(0);
  });

  it('a second pause of a partition replaces the first timer', () => {
    const { consumer, calls } = fakeConsumer();
    const paused = new PausedPartitions(consumer);
    paused.pauseUntil('t', 0, '1', 100);
    paused.pauseUntil('t', 0, '5', 500);
    jest.advanceTimersByTime(499);
    expect(calls.filter((c) => c.startsWith('resume'))).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(calls.filter((c) => c.startsWith('resume'))).toEqual(['resume t/0']);
  });

  it('clear() cancels every pending resume (stop)', () => {
    const { consumer, calls } = fakeConsumer();
    const paused = new PausedPartitions(consumer);
    paused.pauseUntil('a', 0, '1', 100);
    paused.pauseUntil('b', 1, '2', 100);
    paused.clear();
    jest.advanceTimersByTime(1000);
    expect(calls.filter((c) => c.startsWith('resume'))).toHaveLength(0);
    expect(paused.size).toBe(0);
  });

  it('reports a consumer that refuses the pause (a lost partition) and still schedules the resume', () => {
    const errors: unknown[] = [];
    const { consumer, calls } = fakeConsumer();
    const paused = new PausedPartitions(
      {
        ...consumer,
        seek: () => {
          throw new Error('not assigned');
        },
      },
      (error) => errors.push(error),
    );
    paused.pauseUntil('t', 0, '1', 10);
    expect(errors).toHaveLength(1);
    jest.advanceTimersByTime(10);
    expect(calls).toContain('resume t/0');
  });
});
