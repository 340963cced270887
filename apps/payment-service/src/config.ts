import { z } from 'zod';
import { databaseConfig, kafkaConfig, serviceBaseConfig } from '@seckill/config';

export const SERVICE = 'payment-service';

const rate = (what: string) =>
  z.coerce
    .number({ message: `must be a ${what} rate between 0 and 1` })
    .min(0, `must be a ${what} rate between 0 and 1`)
    .max(1, `must be a ${what} rate between 0 and 1`);

const milliseconds = z.coerce
  .number({ message: 'must be a number of milliseconds' })
  .int('must be a whole number of milliseconds')
  .min(0, 'must be 0 or more milliseconds');

/** Every variable payment-service reads; validated before the DI container is built. */
export const configSchema = z
  .object({
    ...serviceBaseConfig,
    ...databaseConfig,
    ...kafkaConfig,
    /** How long every provider call takes (the simulated network round trip). */
    PAYMENT_LATENCY_MS: milliseconds.default(50),
    /** Share of captures the provider declines for good (→ payment.failed). */
    PAYMENT_FAILURE_RATE: rate('failure').default(0.05),
    /** Share of provider calls that time out (transient: retried with the same order id). */
    PAYMENT_TIMEOUT_RATE: rate('timeout').default(0.02),
    /** How long a call that times out hangs before the caller gives up on it. */
    PAYMENT_TIMEOUT_MS: milliseconds.default(500),
    /**
     * How long a charge's answer takes to come back after the provider charged (or declined):
     * the window in which a crash leaves a charge payment-service has not recorded.
     */
    PAYMENT_ANSWER_DELAY_MS: milliseconds.default(0),
    /**
     * Provider calls per take-up of an intent before it waits a backoff (1 s, doubling, up to
     * 60 s) and is taken up again.
     */
    PAYMENT_CAPTURE_ATTEMPTS: z.coerce
      .number({ message: 'must be a number of attempts' })
      .int('must be a whole number of attempts')
      .min(1, 'must be between 1 and 10 attempts')
      .max(10, 'must be between 1 and 10 attempts')
      .default(3),
    /** First backoff between those calls (exponential, full jitter). */
    PAYMENT_RETRY_DELAY_MS: milliseconds.default(100),
    /** Provider captures in flight at once (the capturer's concurrency). */
    PAYMENT_MAX_CONCURRENT_CAPTURES: z.coerce
      .number({ message: 'must be a number of captures' })
      .int('must be a whole number of captures')
      .min(1, 'must be between 1 and 1000 captures')
      .max(1000, 'must be between 1 and 1000 captures')
      .default(64),
    /**
     * How long a capturer owns an intent it took up; after it (the capturer died) any capturer
     * takes the intent up again and asks the provider what became of it.
     */
    PAYMENT_CAPTURE_LEASE_MS: milliseconds.default(5000),
    /**
     * false: a capture worker, which charges the intents other instances record and consumes
     * no events (it scales the provider calls apart from the consumer).
     */
    PAYMENT_CONSUMER_ENABLED: z.stringbool({ error: 'must be true or false' }).default(true),
  })
  .refine((c) => c.PAYMENT_FAILURE_RATE + c.PAYMENT_TIMEOUT_RATE <= 1, {
    message: 'plus PAYMENT_FAILURE_RATE must not exceed 1',
    path: ['PAYMENT_TIMEOUT_RATE'],
  })
  .refine((c) => c.PAYMENT_CAPTURE_LEASE_MS > captureBudgetMs(c), {
    message:
      'must be longer than one take-up of an intent: PAYMENT_CAPTURE_ATTEMPTS x (PAYMENT_LATENCY_MS + the longer of PAYMENT_TIMEOUT_MS and PAYMENT_ANSWER_DELAY_MS) plus the backoffs',
    path: ['PAYMENT_CAPTURE_LEASE_MS'],
  });

export type PaymentServiceConfig = z.infer<typeof configSchema>;

/**
 * The worst case of one take-up's provider calls: every attempt ends as late as a call can, by
 * timing out or by an answer that comes back late.
 */
export function captureBudgetMs(c: {
  PAYMENT_LATENCY_MS: number;
  PAYMENT_TIMEOUT_MS: number;
  PAYMENT_ANSWER_DELAY_MS: number;
  PAYMENT_CAPTURE_ATTEMPTS: number;
  PAYMENT_RETRY_DELAY_MS: number;
}): number {
  let backoff = 0;
  for (let n = 1; n < c.PAYMENT_CAPTURE_ATTEMPTS; n++)
    backoff += c.PAYMENT_RETRY_DELAY_MS * 2 ** (n - 1);
  const longestCall =
    c.PAYMENT_LATENCY_MS + Math.max(c.PAYMENT_TIMEOUT_MS, c.PAYMENT_ANSWER_DELAY_MS);
  return c.PAYMENT_CAPTURE_ATTEMPTS * longestCall + backoff;
}
