import { z } from 'zod';
import { ConfigError, databaseConfig, kafkaConfig, loadConfig, serviceBaseConfig } from './index';

const schema = z.object({ ...serviceBaseConfig, ...databaseConfig, ...kafkaConfig });
const valid = {
  PORT: '3001',
  DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db',
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig('svc', schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses and applies defaults', () => {
    const config = loadConfig('svc', schema, valid);
    expect(config.PORT).toBe(3001);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.SHUTDOWN_TIMEOUT_MS).toBe(15000);
    expect(config.CONSUMER_RETRY_DELAYS_MS).toEqual([1000, 5000, 30000]);
  });

  it('reads the consumer retry steps as a list of milliseconds', () => {
    const config = loadConfig('svc', schema, { ...valid, CONSUMER_RETRY_DELAYS_MS: '200, 500' });
    expect(config.CONSUMER_RETRY_DELAYS_MS).toEqual([200, 500]);
  });

  it.each(['1000,', 'fast', '1000,-5', '1,2', '1,2,3,4,5,6'])(
    'refuses CONSUMER_RETRY_DELAYS_MS=%j, naming the variable',
    (value) => {
      const problems = problemsOf({ ...valid, CONSUMER_RETRY_DELAYS_MS: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^CONSUMER_RETRY_DELAYS_MS /);
    },
  );

  it('names a missing variable', () => {
    const problems = problemsOf({ ...valid, DATABASE_URL: undefined });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_URL is required/);
  });

  it('treats a blank value as missing', () => {
    expect(problemsOf({ ...valid, PORT: '  ' })[0]).toMatch(/^PORT is required/);
  });

  it('names a wrong value with what was expected and what it got', () => {
    const [problem] = problemsOf({ ...valid, PORT: '70000' });
    expect(problem).toContain('PORT');
    expect(problem).toContain('between 1 and 65535');
    expect(problem).toContain('"70000"');
  });

  it('rejects a URL of the wrong kind', () => {
    expect(problemsOf({ ...valid, DATABASE_URL: 'mysql://x/y' })[0]).toMatch(
      /^DATABASE_URL must be a URL like postgresql:/,
    );
  });

  it('rejects malformed broker lists', () => {
    expect(problemsOf({ ...valid, KAFKA_BROKERS: 'localhost' })[0]).toMatch(/^KAFKA_BROKERS/);
  });

  it('reports every bad variable in one line', () => {
    const error = (() => {
      try {
        loadConfig('order-service', schema, { PORT: 'x' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected failure');
    })();
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/^\[order-service\] invalid configuration: /);
    for (const name of ['PORT', 'DATABASE_URL', 'KAFKA_BROKERS']) {
      expect(error.message).toContain(name);
    }
  });

  it('leaves tracing off by default, with the parent-based sampler', () => {
    const config = loadConfig('svc', schema, valid);
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(config.OTEL_SDK_DISABLED).toBe(false);
    expect(config.OTEL_TRACES_SAMPLER).toBe('parentbased_always_on');
    expect(config.OTEL_TRACES_SAMPLER_ARG).toBe(1);
  });

  it('reads the OpenTelemetry variables', () => {
    const config = loadConfig('svc', schema, {
      ...valid,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_SDK_DISABLED: 'true',
    });
    expect(config).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: 0.25,
      OTEL_SDK_DISABLED: true,
    });
    // Blank, as the local runner passes it without --tracing: off.
    expect(
      loadConfig('svc', schema, { ...valid, OTEL_EXPORTER_OTLP_ENDPOINT: '' })
        .OTEL_EXPORTER_OTLP_ENDPOINT,
    ).toBeUndefined();
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'jaeger:4318'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_TRACES_SAMPLER_ARG', 'half'],
    ['OTEL_SDK_DISABLED', 'yes'],
  ])('refuses %s=%j, naming the variable', (variable, value) => {
    const problems = problemsOf({ ...valid, [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable} `));
  });

  it('ignores variables the schema does not know', () => {
    expect(() => loadConfig('svc', schema, { ...valid, UNRELATED: 'x' })).not.toThrow();
  });
});
