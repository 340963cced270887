import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '@seckill/kafka';
import { PaymentTimeoutError } from './simulated-payment-provider';

/** How often one event may call the provider; a class so that it is its own injection token. */
export class CaptureRetryPolicy {
  constructor(
    /** Calls in all, the first one included. */
    readonly attempts: number,
    /** Ceiling of the first backoff; doubles each time (full jitter). */
    readonly baseDelayMs: number,
  ) {}
}

export interface RetryTools {
  readonly sleep?: (ms: number) => Promise<unknown>;
  readonly random?: () => number;
  readonly onRetry?: (attempt: number, delayMs: number, error: PaymentTimeoutError) => void;
}

/**
 * Calls `capture(attempt)` until it answers, retrying only timeouts (transient), at most
 * `attempts` times with jittered exponential backoff. Every attempt uses the same order id, so
 * the provider can never charge twice. When the attempts run out the timeout is rethrown: it is
 * retriable, and the consumer runner's own retries take over. Declines are answers, not errors.
 */
export async function captureWithRetries<T>(
  capture: (attempt: number) => Promise<T>,
  policy: CaptureRetryPolicy,
  { sleep: wait = sleep, random = Math.random, onRetry }: RetryTools = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await capture(attempt);
    } catch (error) {
      if (!(error instanceof PaymentTimeoutError) || attempt >= policy.attempts) throw error;
      const delayMs = backoffDelay(
        { initialDelayMs: policy.baseDelayMs, maxDelayMs: 60_000 },
        attempt,
        random,
      );
      onRetry?.(attempt, delayMs, error);
      await wait(delayMs);
    }
  }
}
