/**
 * The shop's state over a run, read every 500 ms: each consumer group's position in Kafka, the
 * rows each service database has written so far, and the run's sale's remaining stock in Redis
 * (admission) and in PostgreSQL (inventory). The load engine charts them (charts.ts) and writes
 * them to `timeseries.json`; a chaos run reads each group's recovery from the positions
 * (chaos/recovery.ts).
 *
 * Each store is read by a loop of its own, so a store that is down or slow (a chaos fault) leaves
 * a gap in its own series only. A failed read is a sample with its error, never an exception.
 */
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { saleKeys } from '@seckill/redis';
import {
  SHOP_CONSUMER_GROUPS,
  errorText,
  localKafkaAdmin,
  localTarget,
  positions,
  repeatEvery,
  withTimeout,
} from './infra';

export const SAMPLE_EVERY_MS = 500;

/**
 * A read that takes longer is a gap: stopping the sampler must never wait on a store that does
 * not answer. Kafka's offsets read retries for ~2.5 s while a partition has no leader
 * (infra/local/group-lag.ts), so this is above that.
 */
export const READ_TIMEOUT_MS = 5_000;

/** One read of a store, at the epoch ms it started: its value, or why there is none (a gap). */
export type Sample<T> =
  { readonly atMs: number; readonly value: T } | { readonly atMs: number; readonly error: string };

/** Each consumer group's lag and the sum of its committed offsets (which grows while it works). */
export type GroupPositions = Awaited<ReturnType<typeof positions>>;

/** Cumulative counters per service database (by service name: `inventory-service`, …). */
export type PerDatabase = Readonly<Record<string, number>>;

export interface TimeSeries {
  readonly everyMs: number;
  readonly positions: readonly Sample<GroupPositions>[];
  /** Rows inserted + updated + deleted since the server's statistics were last reset. */
  readonly rowsWritten: readonly Sample<PerDatabase>[];
  /** The sale's remaining units in Redis; null: no key (a sync-flow sale is never in Redis). */
  readonly stockRedis: readonly Sample<number | null>[];
  /** inventory-service's `sale_stock.available`; null until inventory has the sale. */
  readonly stockPostgres: readonly Sample<number | null>[];
}

/** The reads the sampler repeats; `shopProbes` reads the local shop, a test passes its own. */
export interface Probes {
  positions(): Promise<GroupPositions>;
  rowsWritten(): Promise<PerDatabase>;
  stockRedis(): Promise<number | null>;
  stockPostgres(): Promise<number | null>;
  /** Closes the connections; called once, after the last read. */
  close(): Promise<void>;
}

export interface Sampler {
  /** Stops every loop, closes the probes and resolves to the series; later calls get the same. */
  stop(): Promise<TimeSeries>;
}

export interface SamplerTiming {
  readonly everyMs: number;
  readonly timeoutMs: number;
}

/** Reads every `everyMs` (from the start of one read to the next) until stopped. */
function poll<T>(
  read: () => Promise<T>,
  timing: SamplerTiming,
): { stop: () => Promise<Sample<T>[]> } {
  const samples: Sample<T>[] = [];
  const loop = repeatEvery(timing.everyMs, async () => {
    const atMs = Date.now();
    try {
      samples.push({ atMs, value: await withTimeout(read(), timing.timeoutMs) });
    } catch (error) {
      samples.push({ atMs, error: errorText(error) });
    }
  });
  return {
    stop: async () => {
      await loop.stop();
      return samples;
    },
  };
}

export function startSampler(
  probes: Probes,
  timing: SamplerTiming = { everyMs: SAMPLE_EVERY_MS, timeoutMs: READ_TIMEOUT_MS },
): Sampler {
  const loops = {
    positions: poll(() => probes.positions(), timing),
    rowsWritten: poll(() => probes.rowsWritten(), timing),
    stockRedis: poll(() => probes.stockRedis(), timing),
    stockPostgres: poll(() => probes.stockPostgres(), timing),
  };
  let stopped: Promise<TimeSeries> | null = null;
  const stop = async (): Promise<TimeSeries> => {
    const [positionsSamples, rowsWritten, stockRedis, stockPostgres] = await Promise.all([
      loops.positions.stop(),
      loops.rowsWritten.stop(),
      loops.stockRedis.stop(),
      loops.stockPostgres.stop(),
    ]);
    await probes.close();
    return {
      everyMs: timing.everyMs,
      positions: positionsSamples,
      rowsWritten,
      stockRedis,
      stockPostgres,
    };
  };
  return { stop: () => (stopped ??= stop()) };
}

/**
 * Rows written, not transactions committed (`xact_commit`): every autocommitted SELECT is a
 * commit too (health checks, the settle step's order reads, the verifier, this sampler), and a
 * consumer's set-based transaction of hundreds of rows is one (ADR 0009). Rows written is the
 * work the saga puts on its databases: effects, inbox and outbox rows, the outbox's publish
 * marks. float8: the counters are bigint, which pg would return as strings.
 */
const ROWS_WRITTEN_SQL = `
  SELECT datname, (tup_inserted + tup_updated + tup_deleted)::float8 AS written
  FROM pg_stat_database WHERE datname = ANY($1::text[])`;

const STOCK_SQL = 'SELECT available FROM sale_stock WHERE sale_id = $1';

/** The local shop's stores (infra/verify/target.ts `localTarget()`), for one sale. */
export function shopProbes(saleId: string, clientId: string): Probes {
  const target = localTarget();
  const admin = localKafkaAdmin(clientId);
  let kafkaConnected = false;

  const redis = new Redis(target.redisUrl, {
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
    maxRetriesPerRequest: 0,
    // While Redis is away a read fails at once (a gap) instead of queueing until it is back.
    enableOfflineQueue: false,
    // ... and the client keeps reconnecting, for a Redis that comes back mid-run (restart-redis).
    retryStrategy: () => SAMPLE_EVERY_MS,
  });
  // Every failed read is already a gap with its error; the client's own events add nothing.
  redis.on('error', () => undefined);
  const redisConnected = redis.connect().catch(() => undefined);
  const stockKey = saleKeys(saleId).stock;

  // One connection, to inventory's database: pg_stat_database lists every database of the
  // server, and inventory's sale_stock is the other thing read here.
  const pool = new Pool({
    connectionString: target.databases['inventory-service'],
    max: 1,
    connectionTimeoutMillis: 1_000,
    statement_timeout: 1_000,
    application_name: 'seckill-load-sampler',
  });
  // An idle connection a Postgres restart dropped: the next read opens another.
  pool.on('error', () => undefined);
  const databases = Object.entries(target.databases).map(([service, url]) => ({
    service,
    name: decodeURIComponent(new URL(url).pathname.slice(1)),
  }));

  return {
    positions: async () => {
      if (!kafkaConnected) {
        await admin.connect();
        kafkaConnected = true;
      }
      return positions(admin, SHOP_CONSUMER_GROUPS);
    },
    rowsWritten: async () => {
      const { rows } = await pool.query<{ datname: string; written: number }>(ROWS_WRITTEN_SQL, [
        databases.map((d) => d.name),
      ]);
      const written = new Map(rows.map((r) => [r.datname, r.written]));
      return Object.fromEntries(
        databases.flatMap(({ service, name }) => {
          const n = written.get(name);
          return n === undefined ? [] : [[service, n]];
        }),
      );
    },
    stockRedis: async () => {
      await redisConnected;
      const stock = await redis.get(stockKey);
      return stock === null ? null : Number(stock);
    },
    stockPostgres: async () => {
      const { rows } = await pool.query<{ available: number }>(STOCK_SQL, [saleId]);
      return rows[0]?.available ?? null;
    },
    close: async () => {
      redis.disconnect();
      await Promise.all([
        admin.disconnect().catch(() => undefined),
        pool.end().catch(() => undefined),
      ]);
    },
  };
}

// --- reading the series (pure) ------------------------------------------------------------

/** The samples that have a value, in order. */
export function readings<T>(
  samples: readonly Sample<T>[],
): Array<{ readonly atMs: number; readonly value: T }> {
  return samples.flatMap((s) => ('value' in s ? [s] : []));
}

/** A run of failed reads: from the first failure to the next read that answered (or the last). */
export interface Gap {
  readonly fromMs: number;
  readonly toMs: number;
  /** The first failure's error. */
  readonly error: string;
}

export function gapsOf(samples: readonly Sample<unknown>[]): Gap[] {
  const gaps: Gap[] = [];
  let first: { readonly atMs: number; readonly error: string } | undefined;
  let lastFailedMs = 0;
  for (const s of samples) {
    if ('error' in s) {
      first ??= s;
      lastFailedMs = s.atMs;
    } else if (first) {
      gaps.push({ fromMs: first.atMs, toMs: s.atMs, error: first.error });
      first = undefined;
    }
  }
  if (first) gaps.push({ fromMs: first.atMs, toMs: lastFailedMs, error: first.error });
  return gaps;
}

/** One group's position at one moment (the shape chaos/recovery.ts reads). */
export interface GroupSample {
  readonly atMs: number;
  readonly lag: number;
  readonly read: number;
}

/** Each group's positions over time, gaps left out; a group missing from a read has no sample. */
export function positionsByGroup(
  samples: readonly Sample<GroupPositions>[],
  groups: readonly string[] = SHOP_CONSUMER_GROUPS,
): Map<string, GroupSample[]> {
  const byGroup = new Map<string, GroupSample[]>(groups.map((g) => [g, []]));
  for (const { atMs, value } of readings(samples))
    for (const g of groups) {
      const position = value[g];
      if (position) byGroup.get(g)?.push({ atMs, lag: position.lag, read: position.read });
    }
  return byGroup;
}
