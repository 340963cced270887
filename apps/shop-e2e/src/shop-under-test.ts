import { Pool } from 'pg';
import { JwtCodec, type Role } from '@seckill/auth';
import { type TestEndpoints, waitFor } from '@seckill/testing';
import { databaseUrl, LOCAL_JWT_SECRET, type ServiceName, serviceEnv, serviceSpec } from './infra';
import { getJson, type RunningService, startService } from './service-process';

/**
 * Every service in the order an end-to-end test starts them: the consumers and callees first,
 * the gateway last (it checks order-service when it reports ready).
 */
export const START_ORDER: readonly ServiceName[] = [
  'inventory-service',
  'payment-service',
  'logistics-service',
  'notification-service',
  'order-service',
  'gateway',
];

/** What a client of the gateway hears: the status and the JSON body (`{}` when empty). */
export interface GatewayAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * The compiled services of one end-to-end test as real processes, on the real PostgreSQL, Redis
 * and Kafka, on ports offset from the shop's (so a test never meets a running shop, nor another
 * test): every URL a service is given points at its peers' offset ports. Each test file owns one
 * with its own offset, sets the variables its scenario needs, and reads every service's database
 * directly to check the invariants.
 */
export class ShopUnderTest {
  readonly running = new Map<ServiceName, RunningService>();
  private readonly pools = new Map<string, Pool>();
  private readonly codec = new JwtCodec(LOCAL_JWT_SECRET, 3600);

  constructor(
    readonly endpoints: TestEndpoints,
    private readonly portOffset: number,
    /** The test's own variables per service, over the local runner's. */
    private readonly settings: (name: ServiceName) => Record<string, string> = () => ({}),
  ) {}

  port(name: ServiceName): number {
    return serviceSpec(name).port + this.portOffset;
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.port(name)}`;
  }

  /** The local runner's environment, its ports and URLs moved to this test's offset. */
  envOf(name: ServiceName, overrides: Record<string, string> = {}): Record<string, string> {
    const env = serviceEnv(serviceSpec(name), this.endpoints);
    env.PORT = String(this.port(name));
    const peers: Record<string, ServiceName> = {
      ORDER_SERVICE_URL: 'order-service',
      NOTIFICATION_SERVICE_URL: 'notification-service',
      INVENTORY_SERVICE_URL: 'inventory-service',
      PAYMENT_SERVICE_URL: 'payment-service',
      LOGISTICS_SERVICE_URL: 'logistics-service',
    };
    for (const [variable, peer] of Object.entries(peers)) {
      if (variable in env) env[variable] = this.url(peer);
    }
    return { ...env, ...this.settings(name), ...overrides };
  }

  /** Starts the service and waits until it reports ready; its output is in the error if not. */
  async start(name: ServiceName, overrides: Record<string, string> = {}): Promise<void> {
    const service = startService(serviceSpec(name), this.envOf(name, overrides));
    this.running.set(name, service);
    await waitFor(
      async () => (await getJson(service.port, '/health/ready').catch(() => null))?.status === 200,
      `${name} to report ready`,
      { timeoutMs: 90_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${service.output().slice(-3000)}`);
    });
  }

  /** Every service, in START_ORDER, each ready before the next starts. */
  async startAll(): Promise<void> {
    for (const name of START_ORDER) await this.start(name);
  }

  async stop(name: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const service = this.running.get(name);
    if (!service) return;
    service.child.kill(signal);
    await service.exited;
    this.running.delete(name);
  }

  /** A pool on the service's own database (two connections). */
  db(name: ServiceName): Pool {
    const database = serviceSpec(name).database;
    if (!database) throw new Error(`${name} has no database`);
    let pool = this.pools.get(database);
    if (!pool) {
      pool = new Pool({ connectionString: databaseUrl(this.endpoints, database), max: 2 });
      this.pools.set(database, pool);
    }
    return pool;
  }

  async rows<T>(name: ServiceName, sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db(name).query(sql, params)).rows as T[];
  }

  token(userId: string, role: Role = 'user'): string {
    return this.codec.sign({ userId, role });
  }

  /** A request to the gateway, as a client sends it: GET, or POST with a JSON body. */
  async call(
    path: string,
    options: { token?: string; json?: unknown; key?: string; timeoutMs?: number } = {},
  ): Promise<GatewayAnswer> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.key) headers['idempotency-key'] = options.key;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.url('gateway')}${path}`, {
      method: options.json === undefined ? 'GET' : 'POST',
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  /** The last lines of every running service's output: what explains a stuck test. */
  logs(chars = 1500): string {
    return [...this.running.values()]
      .map((service) => `--- ${service.spec.name}\n${service.output().slice(-chars)}`)
      .join('\n');
  }

  /** Kills what still runs (the test is over) and closes the pools. */
  async close(): Promise<void> {
    for (const service of this.running.values()) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
      }
    }
    await Promise.all([...this.running.values()].map((service) => service.exited));
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
  }
}
