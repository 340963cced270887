/**
 * Where the verifier looks: each service's database, Redis, the Kafka brokers, the dead-letter
 * topic and the consumer groups whose lag must be 0. `localTarget()` is the shop on this machine
 * (the local runner's or Docker Compose's, which publish the same ports: ADR 0003); a test
 * builds its own target on scratch databases, a Redis database index and topics of its own.
 */
import { Topic } from '@seckill/contracts';
import { withDatabase } from '@seckill/persistence';
import { infraEndpoints, runningKafkaBrokers } from '../local/infra';
import { databaseUrl, SERVICES } from '../local/services';
import { SHOP_CONSUMER_GROUPS } from '../local/topics';

/** The services that own a database, which the verifier reads. */
export const DATABASE_SERVICES = [
  'order-service',
  'inventory-service',
  'payment-service',
  'logistics-service',
  'notification-service',
] as const;
export type DatabaseService = (typeof DATABASE_SERVICES)[number];

export interface VerifyTarget {
  readonly databases: Readonly<Record<DatabaseService, string>>;
  /** `redis://host:port[/db]`. */
  readonly redisUrl: string;
  readonly kafkaBrokers: readonly string[];
  readonly dlqTopic: string;
  readonly consumerGroups: readonly string[];
}

export interface TargetOverrides {
  /** Any URL of the PostgreSQL server; each service's database is reached by its own name. */
  readonly postgresUrl?: string;
  readonly redisUrl?: string;
  readonly kafkaBrokers?: readonly string[];
  readonly dlqTopic?: string;
}

export function localTarget(overrides: TargetOverrides = {}): VerifyTarget {
  const endpoints = infraEndpoints(runningKafkaBrokers() ?? 1);
  const database = (service: DatabaseService): string => {
    const name = SERVICES.find((s) => s.name === service)?.database;
    if (!name) throw new Error(`${service} has no database in infra/local/services.ts`);
    return overrides.postgresUrl === undefined
      ? databaseUrl(endpoints, name)
      : withDatabase(overrides.postgresUrl, name);
  };
  return {
    databases: Object.fromEntries(DATABASE_SERVICES.map((s) => [s, database(s)])) as Record<
      DatabaseService,
      string
    >,
    redisUrl: overrides.redisUrl ?? endpoints.redisUrl,
    kafkaBrokers: overrides.kafkaBrokers ?? endpoints.kafkaBrokers,
    dlqTopic: overrides.dlqTopic ?? Topic.DeadLetter,
    consumerGroups: SHOP_CONSUMER_GROUPS,
  };
}

/** The database name of a URL, for labels such as `seckill_order.outbox_events`. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** host:port of a URL, for "cannot reach" messages (never the password). */
export function hostOf(url: string): string {
  const { hostname, port } = new URL(url);
  return port ? `${hostname}:${port}` : hostname;
}
