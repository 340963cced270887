/**
 * Reads the shop for the control room, each store by a loop of its own every second: the
 * gateway's metrics (arrivals, latency), each service's readiness and rate cap, Kafka (lag per
 * group and partition, topics, the dead-letter topic, brokers), PostgreSQL (the newest sale, its
 * orders by saga state, the outbox tables) and Redis (the sale's stock, the outbox streams). A
 * store that is down or slow leaves its own panel stale with the reason; the others go on.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { fixKafkajsIdleSpin } from '@seckill/kafka';
import { saleKeys } from '@seckill/redis';
import { errorText, type Repeating, repeatEvery, withTimeout } from '../local/async';
import { readPostgresOutboxes, ShopDatabases } from '../verify/read-postgres';
import { readRedisOutboxes } from '../verify/read-redis';
import type { VerifyTarget } from '../verify/target';
import {
  ARRIVAL_OUTCOMES,
  NOT_READ_YET,
  type Arrivals,
  type ArrivalOutcome,
  type Backlogs,
  type GroupLag,
  type Reading,
  type RoomSnapshot,
  type SaleView,
  type ServiceHealth,
  type Topology,
} from './room-state';
import {
  bucketsOf,
  type PromSample,
  parsePrometheusText,
  quantileBetween,
  sumOf,
} from './prometheus-text';

export const READ_EVERY_MS = 1_000;
const READ_TIMEOUT_MS = 4_000;
const PURCHASE_ROUTE = '/api/sales/:saleId/orders';
/**
 * A readiness answer slower than this is "not ready". Under a crowd a service answers its
 * health check late, not never: the shop's own start waits 2.5 s for one too.
 */
const HEALTH_TIMEOUT_MS = 2_500;

export interface RoomSources {
  readonly services: readonly { readonly name: string; readonly url: string }[];
  readonly target: VerifyTarget;
  readonly expectedBrokers: number;
}

async function httpText(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text() };
}

/** One store's loop: its latest reading, replaced every `everyMs`, never overlapping itself. */
export class ReadLoop<T> {
  latest: Reading<T> = { ok: false, error: NOT_READ_YET, atMs: Date.now() };
  private loop: Repeating | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.loop = repeatEvery(this.everyMs, async () => {
      const atMs = Date.now();
      try {
        this.latest = { ok: true, value: await withTimeout(this.read(), READ_TIMEOUT_MS), atMs };
      } catch (error) {
        this.latest = { ok: false, error: errorText(error), atMs };
      }
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }
}

/** The gateway's cumulative purchase counters, as read from one scrape. */
export interface GatewayCounters {
  readonly atMs: number;
  readonly byOutcome: Readonly<Record<ArrivalOutcome, number>>;
  readonly latency: ReadonlyMap<number, number>;
}

/** The purchase answers of one scrape of the gateway, grouped by outcome (cumulative). */
export function gatewayCounters(samples: readonly PromSample[], atMs: number): GatewayCounters {
  const name = 'http_request_duration_seconds_count';
  const route = { route: PURCHASE_ROUTE };
  const byStatus = (status: string | RegExp) =>
    sumOf(samples, name, { ...route, status_code: status });
  // The gateway's overload answers are 503s it chose to give: shed, not failed.
  const shed = sumOf(samples, 'gateway_shed_requests_total', { reason: /^overloaded_/ });
  return {
    atMs,
    byOutcome: {
      accepted: byStatus('202'),
      soldOut: byStatus('409'),
      rateLimited: byStatus('429'),
      shed,
      clientError: byStatus(/^4(?!09|29)\d\d$/),
      serverError: Math.max(0, byStatus(/^5\d\d$/) - shed),
    },
    latency: bucketsOf(samples, 'http_request_duration_seconds', route),
  };
}

/** Answers per second and latency percentiles between two reads of the gateway's counters. */
export function arrivalsBetween(before: GatewayCounters, after: GatewayCounters): Arrivals {
  const seconds = Math.max(0.001, (after.atMs - before.atMs) / 1000);
  const perSecond = Object.fromEntries(
    ARRIVAL_OUTCOMES.map((o) => [
      o,
      Math.max(0, after.byOutcome[o] - before.byOutcome[o]) / seconds,
    ]),
  ) as Record<ArrivalOutcome, number>;
  const ms = (q: number) => {
    const s = quantileBetween(before.latency, after.latency, q);
    return s === null ? null : s * 1000;
  };
  return { perSecond, latencyMs: { p50: ms(0.5), p95: ms(0.95), p99: ms(0.99) } };
}

interface KafkaView {
  readonly lag: readonly GroupLag[];
  readonly topology: Topology;
  readonly deadLetters: number;
}

interface PostgresView {
  readonly sale: Omit<SaleView, 'stockRedis'> | null;
  readonly outboxPostgres: number;
}

interface RedisView {
  /** The sale whose stock was read: the newest sale PostgreSQL named at the time. */
  readonly saleId: string | null;
  readonly stock: number | null;
  readonly outboxRedis: number;
}

export class RoomCollector {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly redis: Redis;
  private readonly databases: ShopDatabases;
  private adminConnected = false;
  private previousGateway: GatewayCounters | undefined;
  private previousCommitted = new Map<string, { atMs: number; committed: bigint }>();
  private rateCaps = new Map<string, number>();
  private currentSaleId: string | null = null;

  private readonly gatewayLoop: ReadLoop<Arrivals>;
  private readonly healthLoop: ReadLoop<ServiceHealth[]>;
  private readonly kafkaLoop: ReadLoop<KafkaView>;
  private readonly postgresLoop: ReadLoop<PostgresView>;
  private readonly redisLoop: ReadLoop<RedisView>;

  constructor(
    private readonly sources: RoomSources,
    everyMs: number = READ_EVERY_MS,
  ) {
    fixKafkajsIdleSpin();
    this.kafka = new Kafka({
      clientId: 'seckill-control-room',
      brokers: [...sources.target.kafkaBrokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2_000,
      retry: { retries: 1 },
    });
    this.admin = this.kafka.admin();
    this.redis = new Redis(sources.target.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      // Reconnect forever, a second apart: Redis coming back is part of what the page shows.
      retryStrategy: () => 1_000,
    });
    this.redis.on('error', () => undefined); // every read reports its own failure
    this.databases = new ShopDatabases(sources.target);
    this.gatewayLoop = new ReadLoop(() => this.readGateway(), everyMs);
    this.healthLoop = new ReadLoop(() => this.readHealth(), everyMs);
    this.kafkaLoop = new ReadLoop(() => this.readKafka(), everyMs);
    this.postgresLoop = new ReadLoop(() => this.readPostgres(), everyMs);
    this.redisLoop = new ReadLoop(() => this.readRedis(), everyMs);
  }

  private loops() {
    return [this.gatewayLoop, this.healthLoop, this.kafkaLoop, this.postgresLoop, this.redisLoop];
  }

  start(): void {
    this.redis.connect().catch(() => undefined);
    for (const loop of this.loops()) loop.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops().map((loop) => loop.stop()));
    await Promise.all([
      this.adminConnected ? this.admin.disconnect().catch(() => undefined) : undefined,
      this.databases.close(),
    ]);
    this.redis.disconnect();
  }

  /** The latest of every store, as one snapshot. */
  snapshot(): RoomSnapshot {
    const pg = this.postgresLoop.latest;
    const rd = this.redisLoop.latest;
    const kf = this.kafkaLoop.latest;
    const sale: Reading<SaleView | null> = !pg.ok
      ? pg
      : {
          ok: true,
          atMs: pg.atMs,
          value: pg.value.sale && {
            ...pg.value.sale,
            // Only a reading of this sale: just after a new sale, Redis's loop still reads the last.
            stockRedis:
              rd.ok && rd.value.saleId === pg.value.sale.saleId && pg.value.sale.flow !== 'sync'
                ? rd.value.stock
                : null,
          },
        };
    const backlogs: Reading<Backlogs> =
      pg.ok && rd.ok && kf.ok
        ? {
            ok: true,
            atMs: Math.min(pg.atMs, rd.atMs, kf.atMs),
            value: {
              deadLetters: kf.value.deadLetters,
              outboxRedis: rd.value.outboxRedis,
              outboxPostgres: pg.value.outboxPostgres,
            },
          }
        : ([kf, pg, rd].find((r): r is Extract<typeof r, { ok: false }> => !r.ok) ?? {
            ok: false,
            error: NOT_READ_YET,
            atMs: Date.now(),
          });
    const health = this.healthLoop.latest;
    return {
      atMs: Date.now(),
      arrivals: this.gatewayLoop.latest,
      sale,
      lag: kf.ok ? { ok: true, atMs: kf.atMs, value: kf.value.lag } : kf,
      backlogs,
      topology: kf.ok ? { ok: true, atMs: kf.atMs, value: kf.value.topology } : kf,
      health: health.ok
        ? health.value
        : this.sources.services.map((s) => ({
            service: s.name,
            url: s.url,
            ready: false,
            detail: health.error,
          })),
    };
  }

  private async readGateway(): Promise<Arrivals> {
    const gateway = this.sources.services.find((s) => s.name === 'gateway');
    if (!gateway) throw new Error('no gateway among the services');
    const { status, body } = await httpText(`${gateway.url}/metrics`, READ_TIMEOUT_MS);
    if (status !== 200) throw new Error(`gateway /metrics answered ${status}`);
    const now = gatewayCounters(parsePrometheusText(body), Date.now());
    const before = this.previousGateway;
    this.previousGateway = now;
    // A restarted gateway starts its counters again from 0: measure from its first scrape.
    const restarted = before && now.byOutcome.accepted < before.byOutcome.accepted;
    if (!before || restarted) {
      return arrivalsBetween(now, now);
    }
    return arrivalsBetween(before, now);
  }

  private async readHealth(): Promise<ServiceHealth[]> {
    return Promise.all(
      this.sources.services.map(async ({ name, url }) => {
        try {
          const [ready, metrics] = await Promise.all([
            httpText(`${url}/health/ready`, HEALTH_TIMEOUT_MS),
            this.rateCaps.has(name)
              ? undefined
              : httpText(`${url}/metrics`, HEALTH_TIMEOUT_MS).catch(() => undefined),
          ]);
          if (metrics?.status === 200) this.learnRateCaps(metrics.body);
          const detail =
            ready.status === 200 ? 'ready' : `${ready.status} ${ready.body.slice(0, 300)}`;
          return { service: name, url, ready: ready.status === 200, detail };
        } catch (error) {
          return { service: name, url, ready: false, detail: errorText(error) };
        }
      }),
    );
  }

  private learnRateCaps(metricsText: string): void {
    for (const sample of parsePrometheusText(metricsText)) {
      if (sample.name === 'seckill_consumer_rate_cap_events_per_second' && sample.labels.group) {
        this.rateCaps.set(sample.labels.group, sample.value);
      }
    }
  }

  private async readKafka(): Promise<KafkaView> {
    if (!this.adminConnected) {
      await this.admin.connect();
      this.adminConnected = true;
    }
    const { groups: groupIds, dlqTopic } = {
      groups: this.sources.target.consumerGroups,
      dlqTopic: this.sources.target.dlqTopic,
    };
    const commits = await Promise.all(
      groupIds.map(async (groupId) => ({
        groupId,
        topics: await this.admin.fetchOffsets({ groupId }),
      })),
    );
    const topicNames = new Set<string>([dlqTopic]);
    for (const c of commits) for (const t of c.topics) topicNames.add(t.topic);
    const ends = new Map(
      await Promise.all(
        [...topicNames].map(
          async (topic) => [topic, await this.admin.fetchTopicOffsets(topic)] as const,
        ),
      ),
    );
    const cluster = await this.admin.describeCluster();
    const atMs = Date.now();
    const lag: GroupLag[] = commits.map(({ groupId, topics }) => {
      const partitions: number[] = [];
      let committedSum = 0n;
      for (const { topic, partitions: committed } of topics) {
        const topicEnds = ends.get(topic) ?? [];
        for (const { partition, offset } of committed) {
          const end = topicEnds.find((e) => e.partition === partition);
          if (!end) continue;
          const high = BigInt(end.high);
          // No commit yet (-1): the group starts at the log's start.
          const position = BigInt(offset) < 0n ? BigInt(end.low) : BigInt(offset);
          committedSum += position;
          partitions[partition] =
            (partitions[partition] ?? 0) + Number(high > position ? high - position : 0n);
        }
      }
      const before = this.previousCommitted.get(groupId);
      this.previousCommitted.set(groupId, { atMs, committed: committedSum });
      const drainPerSecond =
        before && committedSum >= before.committed && atMs > before.atMs
          ? Number(committedSum - before.committed) / ((atMs - before.atMs) / 1000)
          : 0;
      const filled = Array.from(partitions, (n) => n ?? 0);
      return {
        group: groupId,
        rateCap: this.rateCaps.get(groupId) || null,
        total: filled.reduce((a, b) => a + b, 0),
        partitions: filled,
        drainPerSecond,
      };
    });
    const messages = (topic: string) =>
      (ends.get(topic) ?? []).reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    return {
      lag,
      deadLetters: messages(dlqTopic),
      topology: {
        brokers: { expected: this.sources.expectedBrokers, up: cluster.brokers.length },
        topics: [...topicNames]
          .filter((t) => !t.startsWith('seckill.retry.'))
          .sort()
          .map((topic) => ({ topic, messages: messages(topic) })),
        groups: commits.map(({ groupId, topics }) => ({
          group: groupId,
          topics: topics.map((t) => t.topic).filter((t) => !t.startsWith('seckill.retry.')),
        })),
      },
    };
  }

  private async readPostgres(): Promise<PostgresView> {
    const [newest] = await this.databases.query<{
      saleId: string;
      name: string;
      stock: number;
      flow: string;
    }>(
      'order-service',
      `SELECT id::text AS "saleId", name, stock, flow FROM sales ORDER BY created_at DESC, id LIMIT 1`,
    );
    this.currentSaleId = newest?.saleId ?? null;
    const [statuses, stock, outboxes] = await Promise.all([
      newest
        ? this.databases.query<{ status: string; n: number }>(
            'order-service',
            'SELECT status::text AS status, count(*)::int AS n FROM orders WHERE sale_id = $1 GROUP BY 1',
            [newest.saleId],
          )
        : [],
      newest
        ? this.databases.query<{ available: number }>(
            'inventory-service',
            'SELECT available FROM sale_stock WHERE sale_id = $1',
            [newest.saleId],
          )
        : [],
      readPostgresOutboxes(this.databases),
    ]);
    return {
      sale: newest
        ? {
            ...newest,
            stockPostgres: stock[0]?.available ?? null,
            ordersByStatus: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
          }
        : null,
      outboxPostgres: outboxes.reduce((sum, o) => sum + o.unpublished, 0),
    };
  }

  private async readRedis(): Promise<RedisView> {
    const saleId = this.currentSaleId;
    const [stock, outboxes] = await Promise.all([
      saleId ? this.redis.get(saleKeys(saleId).stock) : null,
      readRedisOutboxes(this.redis, [], true),
    ]);
    return {
      saleId,
      stock: stock === null ? null : Number(stock),
      outboxRedis: outboxes.reduce((sum, o) => sum + o.unpublished, 0),
    };
  }
}
