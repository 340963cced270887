/**
 * Where the real infrastructure for integration tests listens. The integration Jest global
 * setup starts it through the local runner and publishes the endpoints in SECKILL_TEST_INFRA.
 */
export interface TestEndpoints {
  readonly postgres: { host: string; port: number; user: string; password: string };
  readonly redisUrl: string;
  readonly kafkaBrokers: readonly string[];
}

export const TEST_INFRA_ENV = 'SECKILL_TEST_INFRA';

/**
 * The Redis logical database the integration tests use: not the shop's 0. The shop's outbox
 * relay polls the set of outbox streams in its database, so a test that registered a sale's
 * stream there would have its records published onto a running shop's `order.created`.
 */
export const TEST_REDIS_DB = 15;

/** `redis://host:port` (with or without a database) pointed at logical database `db`. */
export function withRedisDatabase(redisUrl: string, db: number): string {
  const url = new URL(redisUrl);
  url.pathname = `/${db}`;
  return url.toString();
}

export function testEndpoints(): TestEndpoints {
  const raw = process.env[TEST_INFRA_ENV];
  if (!raw) {
    throw new Error(
      `${TEST_INFRA_ENV} is not set: integration tests run through "npm run test:integration", whose global setup starts the real infrastructure`,
    );
  }
  return JSON.parse(raw) as TestEndpoints;
}

/**
 * The test server's maintenance database (`.../postgres`): the server URL that database
 * administration (creating and dropping a test file's own database) connects through.
 */
export function postgresServerUrl(endpoints: TestEndpoints = testEndpoints()): string {
  const { host, port, user, password } = endpoints.postgres;
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/postgres`;
}
