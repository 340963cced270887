import * as path from 'node:path';
import type { z } from 'zod';
import { SERVICES, serviceEnv } from './infra';
import { startService } from './service-process';

/**
 * A service with a missing or wrong variable must refuse to start, before any dependency is
 * touched, with one line that names the variable (exit code 78, EX_CONFIG).
 */
const endpoints = {
  postgres: { host: '127.0.0.1', port: 5432, user: 'seckill', password: 'seckill' },
  redisUrl: 'redis://127.0.0.1:6379',
  kafkaBrokers: ['127.0.0.1:9092'],
};

/** An app's config schema, loaded by path (infra may not import apps/ statically). */
function configSchemaOf(service: string): z.ZodObject {
  const module = require(
    path.join(__dirname, '..', '..', '..', 'apps', service, 'src', 'config'),
  ) as {
    configSchema: z.ZodObject;
  };
  return module.configSchema;
}

async function startAndFail(env: Record<string, string>, spec = SERVICES[0]!) {
  const service = startService(spec, env);
  const { code } = await service.exited;
  return { code, lines: service.output().trim().split('\n') };
}

describe.each(SERVICES.map((spec) => [spec.name, spec] as const))(
  '%s configuration',
  (name, spec) => {
    const valid = serviceEnv(spec, endpoints);
    // What the local runner sets and the schema cannot do without (no default, not optional).
    const shape = configSchemaOf(name).shape;
    const required = Object.keys(valid).filter((key) => {
      const field = shape[key] as z.ZodType | undefined;
      return field !== undefined && !field.safeParse(undefined).success;
    });

    it.each(required)('refuses to start without %s, naming it', async (variable) => {
      const env = { ...valid };
      delete env[variable];
      const { code, lines } = await startAndFail(env, spec);
      expect(code).toBe(78);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^\\[${name}\\] invalid configuration: .*${variable} is required`),
      );
    });

    it('refuses a wrong value, naming the variable and what was expected', async () => {
      const { code, lines } = await startAndFail(
        { ...valid, PORT: 'eighty', LOG_LEVEL: 'loud' },
        spec,
      );
      expect(code).toBe(78);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('PORT must be a TCP port number (got "eighty")');
      expect(lines[0]).toContain(
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace (got "loud")',
      );
    });
  },
);
