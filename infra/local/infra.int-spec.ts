/**
 * The local runner against the real servers: infraUp() leaves PostgreSQL, Redis and Kafka
 * answering as the services expect, and a second infraUp() is a no-op.
 *
 * Runs under the root integration config (npm run test:integration), or alone:
 *   npx jest -c jest.integration.config.js infra/local/infra.int-spec.ts
 * Infra that was already running is reused and left running; infra this spec had to start is
 * stopped afterwards unless SECKILL_KEEP_INFRA=1.
 */
import Redis from 'ioredis';
import { Client } from 'pg';
import { type InfraEndpoints, SERVICES } from './services';
import {
  type BrokerCount,
  type InfraComponentStatus,
  infraDown,
  infraStatus,
  infraUp,
  runningKafkaBrokers,
} from './infra';
import { kafkaAdminClient } from './kafka';
import { checkKafkajsCompat } from '../kafka/kafkajs-compat';

jest.setTimeout(600_000);

const databases = SERVICES.map((s) => s.database).filter((d): d is string => d !== null);
const lines: string[] = [];
const log = (line: string): void => {
  lines.push(line);
  process.stdout.write(`[infra] ${line}\n`);
};

let brokers: BrokerCount;
let endpoints: InfraEndpoints;
let statusAfterUp: InfraComponentStatus[];
let startedHere = false;

beforeAll(async () => {
  const before = await infraStatus();
  startedHere = !before.every((c) => c.running);
  brokers = runningKafkaBrokers() ?? 1;
  endpoints = await infraUp({ brokers, log });
  statusAfterUp = await infraStatus();
});

afterAll(async () => {
  if (
    startedHere &&
    process.env.SECKILL_KEEP_INFRA !== '1' &&
    process.env.SECKILL_TEST_INFRA === undefined
  ) {
    await infraDown({ log });
  }
});

test('every component runs under a recorded pid and answers on its port', () => {
  expect(statusAfterUp.map((c) => c.component)).toEqual([
    'postgres',
    'redis',
    ...Array.from({ length: brokers }, (_, i) => `kafka-${i + 1}`),
  ]);
  for (const c of statusAfterUp) {
    expect(c).toMatchObject({ running: true });
    expect(c.pid).toEqual(expect.any(Number));
  }
});

test('Redis has AOF on with appendfsync everysec', async () => {
  const redis = new Redis(endpoints.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.info('persistence')).toMatch(/aof_enabled:1/);
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
  } finally {
    redis.disconnect();
  }
});

test('PostgreSQL accepts the seckill role on every service database, which it owns', async () => {
  expect(databases.length).toBeGreaterThan(0);
  for (const database of databases) {
    const client = new Client({ ...endpoints.postgres, database });
    await client.connect();
    try {
      const { rows } = await client.query<{ who: string; owner: string; createdb: boolean }>(
        `SELECT current_user AS who,
                pg_get_userbyid(d.datdba) AS owner,
                (SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user) AS createdb
           FROM pg_database d WHERE d.datname = current_database()`,
      );
      expect(rows[0]).toEqual({ who: 'seckill', owner: 'seckill', createdb: true });
    } finally {
      await client.end();
    }
  }
});

test('Kafka describeCluster lists every broker, and kafkajs works end to end against it', async () => {
  expect(endpoints.kafkaBrokers).toHaveLength(brokers);
  const admin = kafkaAdminClient(endpoints.kafkaBrokers).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual(
      [...endpoints.kafkaBrokers].sort(),
    );
  } finally {
    await admin.disconnect();
  }
  const compat = await checkKafkajsCompat(endpoints.kafkaBrokers);
  expect(compat.error).toBeUndefined();
  expect(compat.ok).toBe(true);
});

test('a second infraUp is a no-op: same endpoints, same pids', async () => {
  lines.length = 0;
  const again = await infraUp({ brokers, log });
  expect(again).toEqual(endpoints);
  const after = await infraStatus();
  expect(after.map((c) => [c.component, c.pid])).toEqual(
    statusAfterUp.map((c) => [c.component, c.pid]),
  );
  expect(lines.filter((l) => /already running .*reusing/.test(l))).toHaveLength(3);
  expect(lines.some((l) => /starting|initdb|formatting|apt-get|Maven/.test(l))).toBe(false);
});
