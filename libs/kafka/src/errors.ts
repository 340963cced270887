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
 * Exponential backoff with full jitter: the delay before attempt n+1 is uniform in
 * [0, min(max, initial * 2^(n-1))], so consumers that failed together do not retry together.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  failedAttempt: number,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling * random());
}
