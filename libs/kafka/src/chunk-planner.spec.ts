import type { KafkaMessage } from 'kafkajs';
import { retryTopic } from '@seckill/contracts';
import { ChunkPlanner } from './chunk-planner';
import { RateCap } from './rate-cap';
import { RETRY_HEADER } from './retry';

const RETRIES = retryTopic('g', 1000);

function messages(count: number, notBefore?: (offset: number) => number): KafkaMessage[] {
  return Array.from(
    { length: count },
    (_, n) =>
      ({
        key: null,
        value: Buffer.from('{}'),
        timestamp: '0',
        attributes: 0,
        offset: String(100 + n),
        headers: notBefore ? { [RETRY_HEADER.notBefore]: String(notBefore(n)) } : {},
      }) as KafkaMessage,
  );
}

function planner(maxEventsPerSecond = 0, now = () => 10_000): ChunkPlanner {
  const rateCap = new RateCap({
    maxEventsPerSecond,
    maxBatchEvents: 3,
    fetchWaitMs: 200,
    clock: now,
  });
  return new ChunkPlanner({
    maxBatchEvents: 3,
    isRetryTopic: (topic) => topic === RETRIES,
    rateCap,
    clock: now,
  });
}

describe('ChunkPlanner', () => {
  it('takes up to maxBatchEvents messages from where the batch stands', () => {
    const batch = messages(5);
    expect(planner().plan('t', 0, batch, 0)).toEqual({ end: 3 });
    expect(planner().plan('t', 0, batch, 3)).toEqual({ end: 5 });
  });

  it('ends a retry topic’s chunk before the first message not due, and halts there until it is', () => {
    // Messages 0 and 1 are due (at or before 10 000), 2 is due 500 ms later.
    const batch = messages(4, (n) => (n < 2 ? 10_000 : 10_500));
    expect(planner().plan(RETRIES, 0, batch, 0)).toEqual({
      end: 2,
      halt: { offset: '102', delayMs: 500, reason: 'retry_not_due' },
    });
    // At the head of the partition: nothing goes now.
    expect(planner().plan(RETRIES, 0, batch, 2)).toEqual({
      end: 2,
      halt: { offset: '102', delayMs: 500, reason: 'retry_not_due' },
    });
    // The same headers on an event topic mean nothing.
    expect(planner().plan('t', 0, batch, 0)).toEqual({ end: 3 });
  });

  it('cuts the chunk to a bucket, and halts at its first message while the cap has no tokens', () => {
    let now = 0;
    // 2/s: the bucket holds at most a second's worth, 2 events, fewer than a chunk.
    const plan = planner(2, () => now);
    const batch = messages(10);
    expect(plan.plan('t', 0, batch, 0)).toEqual({ end: 2 });
    expect(plan.plan('t', 0, batch, 2)).toEqual({
      end: 2,
      halt: { offset: '102', delayMs: 1000, reason: 'rate_limit' },
    });
    now += 1000;
    expect(plan.plan('t', 0, batch, 2)).toEqual({ end: 4 });
  });

  it('drops the retry halt when the cap cuts the chunk before reaching it', () => {
    let now = 10_000;
    // 1/s: one event at a time.
    const plan = planner(1, () => now);
    const batch = messages(4, (n) => (n < 2 ? 0 : 20_000));
    expect(plan.plan(RETRIES, 0, batch, 0)).toEqual({ end: 1 }); // the cut, not the retry
    expect(plan.plan(RETRIES, 0, batch, 1)).toEqual({
      end: 1,
      halt: { offset: '101', delayMs: 1000, reason: 'rate_limit' },
    });
    now += 1000;
    expect(plan.plan(RETRIES, 0, batch, 1)).toEqual({
      end: 2,
      halt: { offset: '102', delayMs: 9000, reason: 'retry_not_due' },
    });
  });
});
