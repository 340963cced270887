import { z } from 'zod';

/** Thrown before the DI container builds; its message is one line that names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`[${service}] invalid configuration: ${problems.join('; ')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Validates the environment against a service's schema. Blank values count as missing, so
 * `PORT=` fails the same way as an unset PORT instead of slipping through as "".
 */
export function loadConfig<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Env = process.env,
): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    service,
    result.error.issues.map((issue) => describeIssue(issue, input)),
  );
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, string>): string {
  const variable = String(issue.path[0] ?? '(root)');
  const given = input[variable];
  if (given === undefined) return `${variable} is required (${issue.message})`;
  return `${variable} ${issue.message} (got ${JSON.stringify(given)})`;
}

/**
 * Runs `loadConfig` for a process entry point: on failure prints the one-line reason and exits
 * non-zero, so a service never starts half-configured.
 */
export function loadConfigOrExit<S extends z.ZodObject>(service: string, schema: S): z.infer<S> {
  try {
    return loadConfig(service, schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
