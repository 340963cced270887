/**
 * `npm run verify`: waits until the shop is quiet, reads every store once, and judges every
 * invariant of the brief on what it read. The stores are read here; the judging is pure
 * (rules.ts), the printing is render.ts's.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { fixKafkajsIdleSpin } from '@seckill/kafka';
import { positions } from '../local/group-lag';
import { type Busyness, quietResult, waitUntilQuiet } from './quiet';
import { readDeadLetters } from './read-dead-letters';
import {
  readPaymentsInFlight,
  readPostgresOutboxes,
  readPostgresRows,
  readSales,
  ShopDatabases,
} from './read-postgres';
import { readRedisOutboxes, readRedisSale } from './read-redis';
import { deadLettersOf } from './rules-backlog';
import { checkInvariants } from './rules';
import type { RedisSale, SaleRow, VerifySnapshot } from './snapshot';
import { DATABASE_SERVICES, databaseName, hostOf, type VerifyTarget } from './target';
import { holds, type RuleResult } from './verdict';

export interface VerifyOptions {
  /** Only this sale (and its orders); null: every sale order-service knows. */
  readonly saleId: string | null;
  /** How long to wait for the shop to be quiet. */
  readonly timeoutMs: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly saleId: string | null;
  readonly sales: number;
  readonly orders: number;
  readonly results: readonly RuleResult[];
}

/** Something of the shop cannot be reached: nothing was verified (exit 2). */
export class ShopUnreachable extends Error {}

/** `--sale` names a sale order-service does not know (exit 2). */
export class UnknownSale extends Error {}

export async function verify(
  target: VerifyTarget,
  options: VerifyOptions,
  log: (line: string) => void,
): Promise<VerifyReport> {
  // The verifier's polling must not spin a core away from the shop it checks.
  fixKafkajsIdleSpin();
  const kafka = new Kafka({
    clientId: 'seckill-verify',
    brokers: [...target.kafkaBrokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  const redis = new Redis(target.redisUrl, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    // Give up at once when Redis is not there: this is a one-shot tool, not a service.
    retryStrategy: () => null,
  });
  const dbs = new ShopDatabases(target);
  try {
    await reachEverything(target, dbs, redis, admin);
    const sales = await readSales(dbs, options.saleId === null ? null : [options.saleId]);
    if (options.saleId !== null && sales.length === 0) {
      throw new UnknownSale(
        `order-service has no sale ${options.saleId} (${databaseName(target.databases['order-service'])}.sales); leave out --sale to check every sale`,
      );
    }
    const saleIds = sales.map((s) => s.saleId);
    const everySale = options.saleId === null;
    const sample = async (): Promise<Busyness> => {
      const [lag, streams, tables, paymentsInFlight] = await Promise.all([
        positions(admin, target.consumerGroups),
        readRedisOutboxes(redis, saleIds, everySale),
        readPostgresOutboxes(dbs),
        readPaymentsInFlight(dbs),
      ]);
      return { lag, outboxes: [...streams, ...tables], paymentsInFlight };
    };
    const outcome = await waitUntilQuiet(sample, { timeoutMs: options.timeoutMs }, log);
    const snapshot = await readSnapshot({ kafka, redis, dbs }, target, {
      sales,
      everySale,
      quiet: outcome.last,
    });
    const results = [
      quietResult(outcome, target.consumerGroups.length),
      ...checkInvariants(snapshot),
    ];
    return {
      ok: holds(results),
      checkedAt: new Date().toISOString(),
      saleId: options.saleId,
      sales: sales.length,
      orders: snapshot.orders.length,
      results,
    };
  } finally {
    await Promise.all([admin.disconnect().catch(() => undefined), closeRedis(redis), dbs.close()]);
  }
}

interface Stores {
  readonly kafka: Kafka;
  readonly redis: Redis;
  readonly dbs: ShopDatabases;
}

interface SnapshotScope {
  readonly sales: readonly SaleRow[];
  /** No --sale: every dead letter is the run's business. */
  readonly everySale: boolean;
  /** The sample that found the shop quiet (its outboxes are the snapshot's). */
  readonly quiet: Busyness;
}

async function readSnapshot(
  { kafka, redis, dbs }: Stores,
  target: VerifyTarget,
  { sales, everySale, quiet }: SnapshotScope,
): Promise<VerifySnapshot> {
  const saleIds = sales.map((s) => s.saleId);
  const readRedis = async (): Promise<RedisSale[]> => {
    const read: RedisSale[] = [];
    // One sale at a time: a sale's orders hash holds every order it ever admitted.
    for (const saleId of saleIds) read.push(await readRedisSale(redis, saleId));
    return read;
  };
  const [redisSales, rows, letters] = await Promise.all([
    readRedis(),
    readPostgresRows(dbs, saleIds),
    readDeadLetters(kafka, target.dlqTopic),
  ]);
  const orderIds = new Set([
    ...rows.orders.map((o) => o.orderId),
    ...redisSales.flatMap((s) => s.admitted.map((o) => o.orderId)),
  ]);
  return {
    sales,
    redis: redisSales,
    ...rows,
    // Read by the last quiet sample: the shop has not moved since.
    outboxes: quiet.outboxes,
    // Every dead letter, or with --sale only the sale's: another sale's are not its business.
    deadLetters: everySale ? letters : deadLettersOf(letters, new Set(saleIds), orderIds),
  };
}

/**
 * Every store answers, or one error naming each that does not. Checked before anything else, so
 * a shop that is not running gets one clear line rather than a timeout in the middle.
 */
async function reachEverything(
  target: VerifyTarget,
  dbs: ShopDatabases,
  redis: Redis,
  admin: Admin,
): Promise<void> {
  const reasonOf = (error: unknown) => firstLine(messageOf(error));
  const databases = Promise.all(
    DATABASE_SERVICES.map((service) =>
      dbs.query(service, 'SELECT 1').then(
        () => null,
        (error: unknown) => ({ url: target.databases[service], reason: reasonOf(error) }),
      ),
    ),
  ).then((failures) => {
    const failed = failures.filter((f) => f !== null);
    if (failed.length === 0) return null;
    // The server down: one entry, not five; else the databases that failed, each with why.
    const reasons = new Set(failed.map((f) => f.reason));
    if (failed.length === DATABASE_SERVICES.length && reasons.size === 1) {
      return `PostgreSQL ${hostOf(failed[0]?.url ?? '')} (${[...reasons][0] ?? ''})`;
    }
    return failed
      .map((f) => `PostgreSQL ${hostOf(f.url)}/${databaseName(f.url)} (${f.reason})`)
      .join('; ');
  });
  const attempts: Promise<string | null>[] = [
    databases,
    connectRedis(redis).then(
      () => null,
      (error: unknown) => `Redis ${hostOf(target.redisUrl)} (${reasonOf(error)})`,
    ),
    admin.connect().then(
      () => null,
      (error: unknown) => `Kafka ${target.kafkaBrokers.join(',')} (${reasonOf(error)})`,
    ),
  ];
  const unreachable = (await Promise.all(attempts)).filter((a): a is string => a !== null);
  if (unreachable.length > 0) {
    throw new ShopUnreachable(`cannot reach ${unreachable.join('; ')}`);
  }
}

/** Connects and PINGs; a failure carries the socket's error, not ioredis's "Connection is closed". */
async function connectRedis(redis: Redis): Promise<void> {
  let socketError: Error | undefined;
  // Stays attached: a later error surfaces as the failing command's rejection, not as a crash.
  redis.on('error', (error: Error) => {
    socketError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw socketError ?? error;
  }
}

/**
 * QUIT when connected. A connection that failed is already closed: disconnecting it again would
 * arm ioredis's 2 s disconnectTimeout on a socket that never closes again, holding the process.
 */
async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  await redis.quit().catch(() => redis.disconnect());
}

/**
 * An error's message. Structural, not `instanceof Error`: errors from another realm (a Jest
 * sandbox, a vm context) are Errors that fail that test.
 */
export function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String(error.message);
  }
  return String(error);
}

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
