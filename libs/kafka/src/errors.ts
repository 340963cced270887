/**
 * Handlers say whether a failure is worth retrying by the error they throw (the kafkajs
 * `errors.js` habit). Anything else is treated as retriable: a bug shows up in the DLQ after
 * bounded attempts instead of blocking a partition or being dropped.
 */
export class RetriableError extends Error {
  override readonly name = 'RetriableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class NonRetriableError extends Error {
  override readonly name = 'NonRetriableError';
  constructor(
    message: string,
    readonly reason = 'NON_RETRIABLE',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRetriable(error: unknown): boolean {
  return !(error instanceof NonRetriableError);
}

/**
 * A kafkajs error that waiting may cure (a leader moving, a broker restarting, a topic a fresh
 * cluster has not spread yet): flagged retriable, or caused by one (kafkajs wraps its last
 * retriable error in a non-retriable one when its own retries run out), or an aggregate whose
 * every error is.
 */
export function isRetriableKafkaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { retriable, cause, errors } = error as {
    retriable?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (retriable === true) return true;
  if (Array.isArray(errors) && errors.length > 0) return errors.every(isRetriableKafkaError);
  return cause !== undefined && cause !== error && isRetriableKafkaError(cause);
}

export interface BackoffPolicy {
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  maxAttempts: 4,
  initialDelayMs: 200,
  maxDelayMs: 5000,
};

/**
 * The shop's one backoff: exponential, with jitter, so that clients that failed together do not
 * retry together. The delay after the n-th failure has the ceiling min(max, initial * 2^(n-1)) and
 * is uniform in [0, ceiling] ("full" jitter, the default: the fastest to spread a crowd out) or in
 * [ceiling/2, ceiling] ("equal": never much shorter than planned, for a loop that must stay calm
 * against a database or broker that is down).
 */
export function backoffDelay(
  policy: Pick<BackoffPolicy, 'initialDelayMs' | 'maxDelayMs'>,
  failedAttempt: number,
  random = Math.random,
  jitter: 'full' | 'equal' = 'full',
): number {
  // The exponent is capped so that a long outage cannot overflow it to Infinity.
  const doublings = Math.min(Math.max(failedAttempt - 1, 0), 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** doublings);
  const floor = jitter === 'equal' ? ceiling / 2 : 0;
  return Math.round(floor + (ceiling - floor) * random());
}
