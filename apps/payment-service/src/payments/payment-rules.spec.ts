import { loadConfig } from '@seckill/config';
import { captureBudgetMs, configSchema } from '../config';
import { CaptureRetryPolicy, captureWithRetries } from './capture-with-retries';
import { decide, PaymentTimeoutError, randomDecisions } from './simulated-payment-provider';

const rates = { failureRate: 0.05, timeoutRate: 0.02 };

describe('decide', () => {
  it('declines the first failureRate of [0, 1), times out the next timeoutRate (half of it after charging), approves the rest', () => {
    expect(decide(0, rates)).toBe('DECLINE');
    expect(decide(0.0499, rates)).toBe('DECLINE');
    expect(decide(0.05, rates)).toBe('TIMEOUT');
    expect(decide(0.0599, rates)).toBe('TIMEOUT');
    expect(decide(0.0601, rates)).toBe('LOST_ANSWER');
    expect(decide(0.0699, rates)).toBe('LOST_ANSWER');
    expect(decide(0.07, rates)).toBe('APPROVE');
    expect(decide(0.9999, rates)).toBe('APPROVE');
  });

  it('never declines or times out at rate 0, always at rate 1', () => {
    expect(decide(0, { failureRate: 0, timeoutRate: 0 })).toBe('APPROVE');
    expect(decide(0.9999, { failureRate: 1, timeoutRate: 0 })).toBe('DECLINE');
    expect(decide(0.4999, { failureRate: 0, timeoutRate: 1 })).toBe('TIMEOUT');
    expect(decide(0.9999, { failureRate: 0, timeoutRate: 1 })).toBe('LOST_ANSWER');
  });

  it('takes its randomness from the injected source', () => {
    const draws = [0.01, 0.055, 0.5];
    const source = randomDecisions(rates, () => draws.shift() ?? 1);
    expect([source('o', 1), source('o', 2), source('o', 3)]).toEqual([
      'DECLINE',
      'TIMEOUT',
      'APPROVE',
    ]);
  });
});

describe('captureWithRetries', () => {
  const policy = new CaptureRetryPolicy(3, 100);
  const noSleep = { sleep: async () => undefined, random: () => 1 };

  it('retries a timeout with the same call and returns the answer', async () => {
    const attempts: number[] = [];
    const delays: number[] = [];
    const result = await captureWithRetries(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new PaymentTimeoutError('o-1', 10);
        return 'captured';
      },
      policy,
      { ...noSleep, onRetry: (_attempt, delayMs) => delays.push(delayMs) },
    );
    expect(result).toBe('captured');
    expect(attempts).toEqual([1, 2, 3]);
    expect(delays).toEqual([100, 200]); // exponential ceiling; random() = 1 takes all of it
  });

  it('rethrows the timeout when the attempts run out (the runner retries it later)', async () => {
    let calls = 0;
    await expect(
      captureWithRetries(
        async () => {
          calls++;
          throw new PaymentTimeoutError('o-1', 10);
        },
        policy,
        noSleep,
      ),
    ).rejects.toBeInstanceOf(PaymentTimeoutError);
    expect(calls).toBe(3);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(
      captureWithRetries(
        async () => {
          calls++;
          throw new Error('database down');
        },
        policy,
        noSleep,
      ),
    ).rejects.toThrow('database down');
    expect(calls).toBe(1);
  });
});

describe('payment-service config', () => {
  const base = {
    PORT: '3003',
    DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/seckill_payment',
    KAFKA_BROKERS: '127.0.0.1:9092',
  };

  it('has the documented defaults', () => {
    expect(loadConfig('payment-service', configSchema, base)).toMatchObject({
      PAYMENT_LATENCY_MS: 50,
      PAYMENT_FAILURE_RATE: 0.05,
      PAYMENT_TIMEOUT_RATE: 0.02,
      PAYMENT_CAPTURE_ATTEMPTS: 3,
      PAYMENT_ANSWER_DELAY_MS: 0,
      PAYMENT_CONSUMER_ENABLED: true,
    });
  });

  it('reads the answer delay and a capture worker without a consumer', () => {
    expect(
      loadConfig('payment-service', configSchema, {
        ...base,
        PAYMENT_ANSWER_DELAY_MS: '3000',
        PAYMENT_CAPTURE_ATTEMPTS: '1',
        PAYMENT_CONSUMER_ENABLED: 'false',
      }),
    ).toMatchObject({ PAYMENT_ANSWER_DELAY_MS: 3000, PAYMENT_CONSUMER_ENABLED: false });
  });

  it.each([
    ['PAYMENT_FAILURE_RATE', '1.5'],
    ['PAYMENT_FAILURE_RATE', '-0.1'],
    ['PAYMENT_TIMEOUT_RATE', 'often'],
    ['PAYMENT_LATENCY_MS', '-1'],
  ])('rejects %s=%s', (name, value) => {
    expect(() => loadConfig('payment-service', configSchema, { ...base, [name]: value })).toThrow(
      name,
    );
  });

  it('rejects rates that add up to more than 1', () => {
    expect(() =>
      loadConfig('payment-service', configSchema, {
        ...base,
        PAYMENT_FAILURE_RATE: '0.6',
        PAYMENT_TIMEOUT_RATE: '0.5',
      }),
    ).toThrow('PAYMENT_TIMEOUT_RATE');
  });

  it('keeps the worst case of one take-up of an intent inside its lease', () => {
    const defaults = loadConfig('payment-service', configSchema, base);
    expect(captureBudgetMs(defaults)).toBeLessThan(defaults.PAYMENT_CAPTURE_LEASE_MS);
    expect(() =>
      loadConfig('payment-service', configSchema, { ...base, PAYMENT_TIMEOUT_MS: '20000' }),
    ).toThrow('PAYMENT_CAPTURE_LEASE_MS');
  });

  it('counts a late answer in the take-up, like a timeout', () => {
    // 3 x (50 + 2000) + 100 + 200: past the default 5 s lease, which must then be longer.
    const late = { ...base, PAYMENT_ANSWER_DELAY_MS: '2000' };
    expect(() => loadConfig('payment-service', configSchema, late)).toThrow(
      'PAYMENT_CAPTURE_LEASE_MS',
    );
    expect(
      captureBudgetMs(
        loadConfig('payment-service', configSchema, { ...late, PAYMENT_CAPTURE_LEASE_MS: '6451' }),
      ),
    ).toBe(6450);
  });

  it.each([
    ['PAYMENT_MAX_CONCURRENT_CAPTURES', '0'],
    ['PAYMENT_MAX_CONCURRENT_CAPTURES', 'many'],
    ['PAYMENT_CAPTURE_LEASE_MS', '-5'],
    ['PAYMENT_ANSWER_DELAY_MS', '-1'],
    ['PAYMENT_ANSWER_DELAY_MS', '2.5'],
    ['PAYMENT_ANSWER_DELAY_MS', 'later'],
    ['PAYMENT_CONSUMER_ENABLED', 'maybe'],
  ])('rejects %s=%s, naming it', (name, value) => {
    expect(() => loadConfig('payment-service', configSchema, { ...base, [name]: value })).toThrow(
      name,
    );
  });
});
