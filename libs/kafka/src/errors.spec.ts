import {
  backoffDelay,
  isRetriable,
  isRetriableKafkaError,
  NonRetriableError,
  RetriableError,
} from './errors';

describe('backoffDelay', () => {
  const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 };

  it('doubles the ceiling per failed attempt, capped at the maximum', () => {
    const top = () => 1; // the jitter's upper end
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, top))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('jitters uniformly below the ceiling', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(200);
  });

  it('with equal jitter, never waits less than half the ceiling', () => {
    expect(backoffDelay(policy, 3, () => 0, 'equal')).toBe(200);
    expect(backoffDelay(policy, 3, () => 0.5, 'equal')).toBe(300);
    expect(backoffDelay(policy, 3, () => 1, 'equal')).toBe(400);
  });

  it('stays at the maximum through a long outage (no overflow to Infinity or NaN)', () => {
    expect(backoffDelay(policy, 5000, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 5000, () => 0, 'equal')).toBe(500);
  });
});

describe('retry classification', () => {
  it('retries anything but a NonRetriableError', () => {
    expect(isRetriable(new RetriableError('blip'))).toBe(true);
    expect(isRetriable(new Error('unknown'))).toBe(true);
    expect(isRetriable(new NonRetriableError('bad', 'RULE'))).toBe(false);
  });
});

describe('isRetriableKafkaError', () => {
  const flagged = (retriable: boolean, extra: object = {}) =>
    Object.assign(new Error('kafkajs'), { retriable, ...extra });

  it('follows the retriable flag kafkajs sets', () => {
    expect(isRetriableKafkaError(flagged(true))).toBe(true);
    expect(isRetriableKafkaError(flagged(false))).toBe(false);
    expect(isRetriableKafkaError(new Error('no flag'))).toBe(false);
    expect(isRetriableKafkaError('a string')).toBe(false);
  });

  it('looks through "retries exhausted" to the error that was being retried', () => {
    expect(isRetriableKafkaError(flagged(false, { cause: flagged(true) }))).toBe(true);
    expect(isRetriableKafkaError(flagged(false, { cause: flagged(false) }))).toBe(false);
  });

  it('takes an aggregate as retriable only when every error in it is', () => {
    const aggregate = (...errors: Error[]) => Object.assign(new Error('aggregate'), { errors });
    expect(isRetriableKafkaError(aggregate(flagged(true), flagged(true)))).toBe(true);
    expect(isRetriableKafkaError(aggregate(flagged(true), flagged(false)))).toBe(false);
  });
});
