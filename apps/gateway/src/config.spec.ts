import { ConfigError, loadConfig } from '@seckill/config';
import { configSchema } from './config';

const required = {
  PORT: '3000',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ORDER_SERVICE_URL: 'http://127.0.0.1:3001',
  JWT_SECRET: 'a-test-secret-that-is-long-enough-1234',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig('gateway', configSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway configuration', () => {
  it('has safe defaults: dev tokens off, documented rate limits', () => {
    expect(loadConfig('gateway', configSchema, required)).toMatchObject({
      DEV_TOKEN_ENABLED: false,
      RATE_LIMIT_GLOBAL_RATE: 1500,
      RATE_LIMIT_GLOBAL_BURST: 300,
      RATE_LIMIT_USER_RATE: 1,
      RATE_LIMIT_USER_BURST: 3,
      UPSTREAM_TIMEOUT_MS: 2000,
      UPSTREAM_CONNECTIONS: 128,
      UPSTREAM_MAX_IN_FLIGHT: 128,
      UPSTREAM_MAX_WAITING: 2000,
      PURCHASE_DEADLINE_MS: 1000,
      PURCHASE_ANSWER_GRACE_MS: 1000,
      SHED_EVENT_LOOP_LAG_MS: 200,
      NOTIFICATION_SERVICE_URL: 'http://127.0.0.1:3005',
    });
  });

  it.each([
    ['true', true],
    ['false', false],
    ['FALSE', false],
    ['0', false],
  ])('reads DEV_TOKEN_ENABLED=%s as %s (not as a non-empty string)', (value, expected) => {
    const config = loadConfig('gateway', configSchema, { ...required, DEV_TOKEN_ENABLED: value });
    expect(config.DEV_TOKEN_ENABLED).toBe(expected);
  });

  it('refuses a DEV_TOKEN_ENABLED that is not a boolean', () => {
    expect(problemsOf({ ...required, DEV_TOKEN_ENABLED: 'sometimes' })[0]).toMatch(
      /^DEV_TOKEN_ENABLED must be true or false/,
    );
  });

  it('accepts a fractional rate but not a zero one, and only whole bursts', () => {
    expect(
      loadConfig('gateway', configSchema, { ...required, RATE_LIMIT_USER_RATE: '0.5' })
        .RATE_LIMIT_USER_RATE,
    ).toBe(0.5);
    expect(problemsOf({ ...required, RATE_LIMIT_GLOBAL_RATE: '0' })[0]).toMatch(
      /^RATE_LIMIT_GLOBAL_RATE must be a positive number/,
    );
    expect(problemsOf({ ...required, RATE_LIMIT_USER_BURST: '1.5' })[0]).toMatch(
      /^RATE_LIMIT_USER_BURST must be a whole number/,
    );
  });

  it('needs a socket for every request in flight', () => {
    expect(
      problemsOf({ ...required, UPSTREAM_CONNECTIONS: '8', UPSTREAM_MAX_IN_FLIGHT: '16' })[0],
    ).toMatch(/^UPSTREAM_CONNECTIONS must be at least UPSTREAM_MAX_IN_FLIGHT/);
  });

  it('refuses a negative or fractional count with the variable named', () => {
    expect(problemsOf({ ...required, UPSTREAM_MAX_WAITING: '-1' })[0]).toMatch(
      /^UPSTREAM_MAX_WAITING must be at least 0/,
    );
    expect(problemsOf({ ...required, UPSTREAM_MAX_IN_FLIGHT: '2.5' })[0]).toMatch(
      /^UPSTREAM_MAX_IN_FLIGHT must be a whole number of requests/,
    );
  });

  it('needs a JWT secret of at least 32 characters', () => {
    expect(problemsOf({ ...required, JWT_SECRET: 'short' })[0]).toMatch(/^JWT_SECRET must be/);
  });
});
