import { EXIT_BAD_CONFIG, childEnv, describeExit } from './runner';

describe('childEnv', () => {
  it("lets the operator's environment override the simulated provider's demo values", () => {
    const env = childEnv(
      { PAYMENT_LATENCY_MS: '1000', PORT: '9999' },
      { PAYMENT_LATENCY_MS: '50', PAYMENT_FAILURE_RATE: '0.05', PORT: '3003' },
    );
    expect(env).toEqual({ PAYMENT_LATENCY_MS: '1000', PAYMENT_FAILURE_RATE: '0.05', PORT: '3003' });
  });

  it('drops npm_* noise, keeps the rest, and lets the service env win', () => {
    const env = childEnv(
      {
        PATH: '/usr/bin',
        npm_lifecycle_event: 'shop',
        npm_config_cache: '/x',
        PORT: '9999',
        HOME: '/root',
      },
      { PORT: '3002', KAFKA_BROKERS: '127.0.0.1:9092' },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      PORT: '3002',
      KAFKA_BROKERS: '127.0.0.1:9092',
    });
  });
});

describe('describeExit', () => {
  it('explains the config exit code, other codes and signals', () => {
    expect(describeExit({ code: EXIT_BAD_CONFIG, signal: null })).toBe(
      'exited with code 78 (bad configuration)',
    );
    expect(describeExit({ code: 1, signal: null })).toBe('exited with code 1');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('was killed by SIGKILL');
    expect(describeExit(null)).toBe('exited');
  });
});
