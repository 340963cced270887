import { z } from 'zod';
import { count, loadConfig } from '@seckill/config';

/**
 * The control room's settings, validated before anything starts (a bad one stops it with the
 * variable's name). Viewing needs nothing; actions (running a demo) exist only when
 * CONTROL_ROOM_ACTIONS is true, and then each needs CONTROL_ROOM_ADMIN_TOKEN: on in the local
 * demo (the runner turns them on with a fresh token), off by default, like the gateway's dev
 * tokens.
 */
export const controlRoomSchema = z
  .object({
    CONTROL_ROOM_PORT: count('port', 1, 3100, 65535),
    /** 127.0.0.1 locally; 0.0.0.0 in a container. */
    CONTROL_ROOM_HOST: z.string().default('127.0.0.1'),
    CONTROL_ROOM_ACTIONS: z.stringbool({ error: 'must be true or false' }).default(false),
    CONTROL_ROOM_ADMIN_TOKEN: z
      .string()
      .min(16, 'must be at least 16 characters (it guards actions that stop services)')
      .optional(),
    /**
     * Where a service answers, `{service}` and `{port}` filled in: the local runner's loopback
     * ports, or compose's service names (`http://{service}:{port}`).
     */
    CONTROL_ROOM_SERVICE_URL: z
      .string()
      .refine((v) => v.includes('{port}') || v.includes('{service}'), {
        message: 'must contain {service} or {port}, e.g. http://127.0.0.1:{port}',
      })
      .default('http://127.0.0.1:{port}'),
    /** Any URL of the PostgreSQL server (each database is reached by name); default: the runner's. */
    POSTGRES_URL: z.string().optional(),
    REDIS_URL: z.string().optional(),
    /** Comma-separated host:port list; default: the runner's running brokers. */
    KAFKA_BROKERS: z.string().optional(),
    /** Jaeger's UI, for the link from an order to its trace; unset when tracing is off. */
    JAEGER_UI_URL: z.string().url('must be a URL like http://127.0.0.1:16686').optional(),
  })
  .refine((c) => !c.CONTROL_ROOM_ACTIONS || c.CONTROL_ROOM_ADMIN_TOKEN !== undefined, {
    message: 'CONTROL_ROOM_ADMIN_TOKEN is required when CONTROL_ROOM_ACTIONS is true',
    path: ['CONTROL_ROOM_ADMIN_TOKEN'],
  });

export type ControlRoomConfig = z.infer<typeof controlRoomSchema>;

export function loadControlRoomConfig(
  env: Record<string, string | undefined> = process.env,
): ControlRoomConfig {
  return loadConfig('control-room', controlRoomSchema, env);
}

export function serviceUrl(template: string, service: string, port: number): string {
  return template.replaceAll('{service}', service).replaceAll('{port}', String(port));
}
