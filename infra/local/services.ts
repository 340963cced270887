/**
 * The one list of the shop's services as the local runner, the tests and the compose check see
 * them: name, port, own database, and which infrastructure each one needs.
 */
export const SERVICE_NAMES = [
  'gateway',
  'order-service',
  'inventory-service',
  'payment-service',
  'logistics-service',
  'notification-service',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceSpec {
  readonly name: ServiceName;
  readonly port: number;
  /** The service's own PostgreSQL database, or null when it keeps no relational state. */
  readonly database: string | null;
  readonly usesRedis: boolean;
  readonly usesKafka: boolean;
  /** Compiled entry point, relative to the repository root (`npm run build` writes it). */
  readonly entry: string;
  /**
   * Scheduling priority: `hot-path` for what answers buyers (gateway, order-service), and
   * `background` for the saga's consumers, which the runner starts with a lower CPU priority
   * (nice 10): on a saturated machine buyers' answers come first and the saga lags, which is
   * the buffer peak shaving means (ADR 0006). Kubernetes expresses the same with CPU requests.
   */
  readonly priority: 'hot-path' | 'background';
}

function spec(
  name: ServiceName,
  port: number,
  database: string | null,
  usesRedis: boolean,
  usesKafka: boolean,
): ServiceSpec {
  return {
    name,
    port,
    database,
    usesRedis,
    usesKafka,
    entry: `dist/apps/${name}/src/main.js`,
    priority: name === 'gateway' || name === 'order-service' ? 'hot-path' : 'background',
  };
}

export const SERVICES: readonly ServiceSpec[] = [
  spec('gateway', 3000, null, true, false),
  spec('order-service', 3001, 'seckill_order', true, true),
  spec('inventory-service', 3002, 'seckill_inventory', false, true),
  spec('payment-service', 3003, 'seckill_payment', false, true),
  spec('logistics-service', 3004, 'seckill_logistics', false, true),
  spec('notification-service', 3005, 'seckill_notification', false, true),
];

export function serviceSpec(name: string): ServiceSpec {
  const found = SERVICES.find((s) => s.name === name);
  if (!found) {
    throw new Error(`unknown service "${name}"; expected one of: ${SERVICE_NAMES.join(', ')}`);
  }
  return found;
}

/** Where the local infrastructure listens. Defaults are the conventional ports. */
export interface InfraEndpoints {
  readonly postgres: { host: string; port: number; user: string; password: string };
  readonly redisUrl: string;
  readonly kafkaBrokers: readonly string[];
  /** Jaeger's OTLP/HTTP endpoint when the shop runs with --tracing; unset, tracing is off. */
  readonly otlpEndpoint?: string;
}

export function databaseUrl(endpoints: InfraEndpoints, database: string): string {
  const { host, port, user, password } = endpoints.postgres;
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
}

/**
 * The HS256 secret of a local shop: the gateway signs tokens with it and order-service verifies
 * them with it. A development value (docker-compose.yml has the same default); a real deployment
 * sets its own JWT_SECRET.
 */
export const LOCAL_JWT_SECRET = 'seckill-local-development-secret-not-for-production';

/**
 * Settings `serviceEnv` gives a demo value that the operator's own environment overrides:
 * `PAYMENT_LATENCY_MS=1000 npm run shop` runs a slow provider, and `npm run chaos --
 * slow-payment` restarts payment-service that way. Everything else of `serviceEnv` (ports,
 * URLs, secrets) wins over a stray variable in the operator's shell.
 */
export const OPERATOR_SETTINGS: readonly string[] = [
  'PAYMENT_LATENCY_MS',
  'PAYMENT_FAILURE_RATE',
  'PAYMENT_TIMEOUT_RATE',
];

/** The environment a service gets when the local runner (or an end-to-end test) starts it. */
export function serviceEnv(svc: ServiceSpec, endpoints: InfraEndpoints): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    PORT: String(svc.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  if (svc.database) env.DATABASE_URL = databaseUrl(endpoints, svc.database);
  if (svc.usesRedis) env.REDIS_URL = endpoints.redisUrl;
  if (svc.usesKafka) env.KAFKA_BROKERS = endpoints.kafkaBrokers.join(',');
  // Tracing only with --tracing: blank (= unset) otherwise, whatever the operator's shell says.
  env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoints.otlpEndpoint ?? '';
  if (svc.name === 'gateway') {
    env.ORDER_SERVICE_URL = `http://127.0.0.1:${serviceSpec('order-service').port}`;
    env.NOTIFICATION_SERVICE_URL = `http://127.0.0.1:${serviceSpec('notification-service').port}`;
    env.JWT_SECRET = LOCAL_JWT_SECRET;
    // A local shop hands out tokens (POST /api/auth/dev-token) so people and load tests can buy.
    env.DEV_TOKEN_ENABLED = 'true';
  }
  // The synchronous baseline's callees (sales with flow "sync", ADR 0012).
  if (svc.name === 'order-service') {
    for (const callee of ['inventory-service', 'payment-service', 'logistics-service'] as const) {
      env[`${callee.split('-')[0].toUpperCase()}_SERVICE_URL`] =
        `http://127.0.0.1:${serviceSpec(callee).port}`;
    }
  }
  // order-service and notification-service verify every token again, with the gateway's secret.
  if (svc.name === 'order-service' || svc.name === 'notification-service') {
    env.JWT_SECRET = LOCAL_JWT_SECRET;
  }
  // The simulated payment provider's knobs, spelled out so a local shop shows what it simulates;
  // the operator's environment overrides them (OPERATOR_SETTINGS).
  if (svc.name === 'payment-service') {
    env.PAYMENT_LATENCY_MS = '50';
    env.PAYMENT_FAILURE_RATE = '0.05';
    env.PAYMENT_TIMEOUT_RATE = '0.02';
  }
  return env;
}
