import { z } from 'zod';

/**
 * Reusable pieces of service configuration. Each message says what was expected, because it is
 * what an operator reads when a service refuses to start.
 */
const port = z.coerce
  .number({ message: 'must be a TCP port number' })
  .int('must be an integer port')
  .min(1, 'must be a port between 1 and 65535')
  .max(65535, 'must be a port between 1 and 65535');

/** A duration variable in whole milliseconds, at least `min`, `fallback` when unset. */
export const milliseconds = (min: number, fallback: number) =>
  z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(min, `must be at least ${min} ms`)
    .default(fallback);

/** A whole number of `unit` (connections, requests, …), at least `min`, `fallback` when unset. */
export const count = (unit: string, min: number, fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ message: `must be a number of ${unit}` })
    .int(`must be a whole number of ${unit}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const urlWithProtocols = (protocols: readonly string[], example: string) =>
  z.string({ message: `expected a URL like ${example}` }).refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL like ${example}`);

/** The OpenTelemetry samplers a service accepts (the specification's names). */
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/**
 * Tracing (docs/tracing.md), with OpenTelemetry's standard variable names. Off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT names a collector (Jaeger's OTLP/HTTP port): then the service
 * starts the SDK and exports spans there. OTEL_SDK_DISABLED=true keeps it off all the same.
 */
export const tracingConfig = {
  OTEL_EXPORTER_OTLP_ENDPOINT: urlWithProtocols(['http:', 'https:'], 'http://host:4318').optional(),
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  OTEL_TRACES_SAMPLER: z
    .enum(TRACE_SAMPLERS, { message: `must be one of ${TRACE_SAMPLERS.join(', ')}` })
    .default('parentbased_always_on'),
  /** The ratio of the *traceidratio samplers, from 0 (none) to 1 (every trace). */
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ message: 'must be a ratio between 0 and 1' })
    .min(0, 'must be a ratio between 0 and 1')
    .max(1, 'must be a ratio between 0 and 1')
    .default(1),
};

export const serviceBaseConfig = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'], {
      message: 'must be one of development, production, test',
    })
    .default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: port,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
      message: 'must be one of fatal, error, warn, info, debug, trace',
    })
    .default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int()
    .min(1000, 'must be at least 1000 ms')
    .default(15000),
  /**
   * Connections the kernel queues for accept(). Node's default of 511 overflows when a crowd
   * connects at once, and a dropped SYN is retried after a whole second; the kernel caps this
   * at net.core.somaxconn (4096 on Debian 12).
   */
  HTTP_LISTEN_BACKLOG: count('connections', 1, 4096),
  ...tracingConfig,
};

export const databaseConfig = {
  DATABASE_URL: urlWithProtocols(
    ['postgres:', 'postgresql:'],
    'postgresql://user:password@host:5432/database',
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
};

export const redisConfig = {
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:'], 'redis://host:6379'),
};

const brokerAddress = /^[A-Za-z0-9.-]+:\d{1,5}$/;

export const kafkaConfig = {
  KAFKA_BROKERS: z
    .string({ message: 'expected a comma-separated list of host:port' })
    .transform((value) =>
      value
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .refine(
      (brokers) => brokers.length > 0 && brokers.every((b) => brokerAddress.test(b)),
      'must be a comma-separated list of host:port',
    ),
  /**
   * The consumer's processing-rate cap (peak shaving), in events/s. It guards PostgreSQL, so it
   * comes from what PostgreSQL takes (ADR 0009): the bench measures 1,200–1,900 transactions/s
   * here, and a consumer behind a backlog writes 20 or more events per transaction in a few
   * statements, so five groups at 4,000 events/s stay under 1,000 transactions/s.
   */
  CONSUMER_MAX_EVENTS_PER_SECOND: z.coerce
    .number({ message: 'must be a number of events per second' })
    .positive('must be a positive number of events per second')
    .default(4000),
  /**
   * The consumer's retry steps: a failed event waits this long in its group's retry topic of
   * that step before the next attempt (the topics are named after the delays).
   */
  CONSUMER_RETRY_DELAYS_MS: z
    .string({ message: 'expected a comma-separated list of milliseconds, e.g. 1000,5000,30000' })
    .default('1000,5000,30000')
    .transform((value) => value.split(',').map((part) => part.trim()))
    .refine(
      (parts) => parts.length >= 1 && parts.length <= 5 && parts.every((p) => /^\d{1,9}$/.test(p)),
      'must be 1 to 5 comma-separated whole numbers of milliseconds, e.g. 1000,5000,30000',
    )
    .transform((parts) => parts.map(Number))
    .refine((delays) => delays.every((d) => d >= 10), 'each delay must be at least 10 ms'),
};

export function httpUpstreamConfig<K extends string>(name: K) {
  return { [name]: urlWithProtocols(['http:', 'https:'], 'http://host:3001') } as Record<
    K,
    ReturnType<typeof urlWithProtocols>
  >;
}

export const authConfig = {
  JWT_SECRET: z
    .string({ message: 'expected a secret of at least 32 characters' })
    .min(32, 'must be at least 32 characters'),
};
