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
