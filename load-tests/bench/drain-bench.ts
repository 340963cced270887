/**
 * `npm run bench -- drain --runner-only`: peak shaving, measured. A backlog of B events waits on
 * a topic; a consumer group capped at R events/s drains it through the real runner (inbox +
 * effect in one Postgres transaction, offsets after commit) into a scratch database. The brief's
 * claim: the database sees R writes/s (±5 %) and the backlog is gone after B/R seconds (±10 %).
 * The same run drains the backlog once more without a cap, so the figure comes with the ceiling
 * it is under.
 * Without --runner-only, `drain` measures the whole saga instead (saga-drain.ts); this file
 * parses the command line of both.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Pool } from 'pg';
import {
  createEvent,
  defineEvent,
  type EnvelopeOf,
  EventRegistry,
  InventoryReservedV1,
  OrderCreatedV1,
  type TopicName,
} from '@seckill/contracts';
import { EventPublisher, type HandlerScope, KafkaConsumerRunner } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import {
  createDatabase,
  dropDatabase,
  MESSAGING_TABLES_SQL,
  pgSqlClient,
  PrismaConsumerStore,
  type SqlExecutor,
  type TransactionalClient,
} from '@seckill/persistence';
import {
  databaseUrl,
  infraEndpoints,
  runningKafkaBrokers,
  UsageError,
  cliName,
  command,
  custom,
  flag,
  int,
  parseCommandLine,
  parseDuration,
  seconds,
} from '../engine/infra';
import { defaultTimeoutSec, SAGA_DRAIN_DEFAULTS, type SagaDrainOptions } from './saga-drain';

export interface DrainOptions {
  readonly rate: number;
  readonly backlog: number;
  readonly partitions: number;
  readonly batch: number;
  readonly skipUncapped: boolean;
}

export const DRAIN_DEFAULTS: DrainOptions = {
  rate: 1000,
  backlog: 30_000,
  partitions: 12,
  batch: 100,
  skipUncapped: false,
};

const saga = SAGA_DRAIN_DEFAULTS;

const SAGA_OPTIONS = {
  orders: int(saga.orders, 'accepted orders in the backlog (10000 for the target)', 10, 100_000),
  concurrency: int(saga.concurrency, 'purchases in flight during admission', 1, 1024),
  sample: custom(
    '<time>',
    saga.sampleMs / 1000,
    'sampling interval',
    (text) => {
      const sec = parseDuration(text);
      if (sec < 0.05 || sec > 10)
        throw new UsageError(`--sample must be between 50ms and 10s, got ${text}`);
      return sec;
    },
    { shownDefault: `${saga.sampleMs}ms` },
  ),
  timeout: custom<number | null>(
    '<time>',
    null,
    'stop waiting this long after the release (default 120 s + 1 s per 10 orders)',
    (text) => parseDuration(text),
  ),
  ceiling: seconds(saga.ceilingSec, 'length of the pgbench run'),
};

const RUNNER_OPTIONS = {
  rate: int(DRAIN_DEFAULTS.rate, 'the cap R, events/s', 10, 100_000),
  backlog: int(DRAIN_DEFAULTS.backlog, 'the backlog B, events', 100, 10_000_000),
  partitions: int(DRAIN_DEFAULTS.partitions, 'partitions of the topic', 1, 128),
  batch: int(DRAIN_DEFAULTS.batch, 'events per transaction', 1, 10_000),
  skipUncapped: flag('leave out the uncapped runs'),
};

export type DrainCommand =
  | { readonly kind: 'saga'; readonly options: SagaDrainOptions; readonly updateDocs: boolean }
  | {
      readonly kind: 'runner';
      readonly options: DrainOptions;
      readonly updateDocs: boolean;
    };

export const DRAIN_CLI = {
  name: 'bench drain',
  usage: [
    'npm run bench -- drain [options]                the whole saga (default)',
    'npm run bench -- drain --runner-only [options]  the consumer runner alone',
  ],
  description: `The whole saga, on the running shop (npm run shop -- --detach): admits N orders through the
gateway while inventory, payment, logistics and notification are stopped (order-service keeps
admitting, and its read model keeps consuming), then starts those four at once. Every
${saga.sampleMs} ms it reads each consumer group's lag (Kafka offsets) and the orders per status
(order-service's read model) until every order is terminal and every group is at lag 0. Reports
the admission time, the time until every order is terminal (from the release and from the last
202), each group's peak lag, time to lag 0 and rate, the slowest group, and the Postgres
ceiling (pgbench) measured afterwards; judges the targets (>= 500 orders/s sustained; 10,000
orders terminal <= 30 s after the last 202). The chart of lag per group and the samples go to
.cache/bench/drain-<run>.svg and .json. The consumers are running again when it ends.

--runner-only: peak shaving of the consumer runner alone. B events wait on a fresh topic; a
consumer group capped at R events/s drains them through the real consumer runner (inbox row +
one write per event in one Postgres transaction per chunk, offsets committed after it) into a
scratch database. Judges: DB write rate within 5 % of R, drain time within 10 % of B/R. Then
drains the same backlog without a cap (a second group: the ceiling the cap sits under) and a
tenth of it with one event per transaction (what batching buys). Needs only the
infrastructure (npm run infra -- up); creates and drops its own database and topic.`,
  command: command({
    options: {
      ...SAGA_OPTIONS,
      updateDocs: flag(
        "write the figures into docs/benchmarks.md (the whole saga's chart to docs/bench/drain-lag.svg)",
      ),
      runnerOnly: flag('measure the consumer runner alone (its options below)'),
      ...RUNNER_OPTIONS,
    },
    sections: [{ title: 'Options with --runner-only', keys: Object.keys(RUNNER_OPTIONS) }],
    build: (o, _positional, given): DrainCommand => {
      // Each mode takes only its own options.
      const other = o.runnerOnly ? SAGA_OPTIONS : RUNNER_OPTIONS;
      for (const key of given)
        if (key in other) throw new UsageError(`unknown option ${cliName(key)}`);
      if (o.runnerOnly) {
        const { rate, backlog, partitions, batch, skipUncapped } = o;
        return {
          kind: 'runner',
          options: { rate, backlog, partitions, batch, skipUncapped },
          updateDocs: o.updateDocs,
        };
      }
      return {
        kind: 'saga',
        options: {
          orders: o.orders,
          concurrency: o.concurrency,
          sampleMs: Math.round(o.sample * 1000),
          timeoutSec: o.timeout ?? defaultTimeoutSec(o.orders),
          ceilingSec: Math.max(1, Math.round(o.ceiling)),
        },
        updateDocs: o.updateDocs,
      };
    },
  }),
};

/** `drain`'s arguments: the whole saga, or with --runner-only the runner alone. */
export function parseDrainCommand(argv: readonly string[]) {
  return parseCommandLine(DRAIN_CLI, argv);
}

export interface DrainRun {
  readonly label: string;
  readonly capPerSec: number | null;
  /** Events per transaction. */
  readonly batch: number;
  readonly events: number;
  /** First write to last write, by the database's clock. */
  readonly drainSec: number;
  /** Writes per second in the middle 80 % of the drain (ramp-up and tail left out). */
  readonly steadyRatePerSec: number;
}

export interface DrainReport {
  readonly options: DrainOptions;
  readonly runs: readonly DrainRun[];
}

/** The brief's two tolerances, as verdicts. */
export function judgeDrain(
  run: DrainRun,
  options: DrainOptions,
): { rate: boolean; drain: boolean } {
  const expectedSec = options.backlog / options.rate;
  return {
    rate: Math.abs(run.steadyRatePerSec - options.rate) <= 0.05 * options.rate,
    drain: Math.abs(run.drainSec - expectedSec) <= 0.1 * expectedSec,
  };
}

export function formatDrainReport(report: DrainReport): string {
  const { options } = report;
  const expectedSec = options.backlog / options.rate;
  const lines = [
    `drain: backlog B=${options.backlog} events on ${options.partitions} partitions, ` +
      `cap R=${options.rate}/s, ${options.batch} events per transaction; B/R = ${expectedSec.toFixed(1)} s`,
    '',
    'run          cap/s  per tx   events   drain s   steady writes/s       vs R      vs B/R',
  ];
  for (const run of report.runs) {
    const capped = run.capPerSec !== null;
    const verdict = capped ? judgeDrain(run, options) : undefined;
    lines.push(
      [
        run.label.padEnd(12),
        String(run.capPerSec ?? '-').padStart(5),
        String(run.batch).padStart(7),
        String(run.events).padStart(8),
        run.drainSec.toFixed(1).padStart(9),
        run.steadyRatePerSec.toFixed(0).padStart(17),
        (capped
          ? `${pct(run.steadyRatePerSec / options.rate)} ${verdict?.rate ? 'ok' : 'MISS'}`
          : '-'
        ).padStart(9),
        (capped
          ? `${pct(run.drainSec / expectedSec)} ${verdict?.drain ? 'ok' : 'MISS'}`
          : '-'
        ).padStart(11),
      ].join(' '),
    );
  }
  return lines.join('\n');
}

export const DRAIN_DOC_MARKERS = {
  begin:
    '<!-- bench:drain:begin (generated by npm run bench -- drain --runner-only --update-docs) -->',
  end: '<!-- bench:drain:end -->',
} as const;

export function formatDrainMarkdown(report: DrainReport, invocation: string, at: Date): string {
  const { options } = report;
  const expectedSec = options.backlog / options.rate;
  const rows = report.runs.map((run) => {
    const verdict = run.capPerSec === null ? undefined : judgeDrain(run, options);
    return [
      run.label,
      run.capPerSec === null ? 'none' : String(run.capPerSec),
      String(run.batch),
      String(run.events),
      run.drainSec.toFixed(1),
      run.steadyRatePerSec.toFixed(0),
      verdict
        ? `${pct(run.steadyRatePerSec / options.rate)} (${verdict.rate ? 'ok' : 'MISS'})`
        : '',
      verdict ? `${pct(run.drainSec / expectedSec)} (${verdict.drain ? 'ok' : 'MISS'})` : '',
    ];
  });
  return [
    `Run ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC: \`${invocation}\` ` +
      `(B = ${options.backlog} on ${options.partitions} partitions, R = ${options.rate}/s, ` +
      `B/R = ${expectedSec.toFixed(1)} s). Targets: steady DB writes within 5 % of R, drain ` +
      'within 10 % of B/R.',
    '',
    '| run | cap/s | events per tx | events | drain (s) | steady writes/s | vs R | vs B/R |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

// The effect of an event: one row, stamped with the database clock at insert time.
const EFFECTS_SQL = `
  CREATE TABLE bench_writes (
    consumer_group TEXT NOT NULL, order_id TEXT NOT NULL,
    written_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (consumer_group, order_id));`;

// ---------------------------------------------------------------------------------------------

export async function runDrainBench(
  options: DrainOptions,
  log: (line: string) => void,
): Promise<DrainReport> {
  const endpoints = infraEndpoints(runningKafkaBrokers() ?? 1);
  const stamp = `${Date.now()}`;
  const database = `seckill_bench_drain_${stamp}`;
  const serverUrl = databaseUrl(endpoints, 'postgres');
  const topic = `bench.drain.${stamp}` as TopicName;
  const followUpTopic = `bench.drain.${stamp}.reserved` as TopicName;
  const kafka = new Kafka({
    clientId: 'bench-drain',
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const publisher = new EventPublisher(kafka);
  const topics: string[] = [topic, followUpTopic];
  let pool: Pool | undefined;
  await createDatabase(serverUrl, database).catch((error: Error) => {
    throw new Error(`PostgreSQL refused (${error.message}); is it up? npm run infra -- up`);
  });
  try {
    const sql = pgSqlClient(databaseUrl(endpoints, database), 8);
    pool = sql.pool;
    await pool.query(MESSAGING_TABLES_SQL);
    await pool.query(EFFECTS_SQL);
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: options.partitions, replicationFactor: 1 },
        { topic: followUpTopic, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    const bench: BenchTopics = {
      created: defineEvent({ ...OrderCreatedV1, topic }),
      reserved: defineEvent({ ...InventoryReservedV1, topic: followUpTopic }),
    };
    await publishBacklog(publisher, bench.created, options.backlog, log);

    const context = { kafka, publisher, client: sql.client, pool, bench, topics, log };
    const runs: DrainRun[] = [];
    runs.push(await drain(context, 'capped', options.rate, options.batch, options.backlog));
    if (!options.skipUncapped) {
      runs.push(await drain(context, 'uncapped', null, options.batch, options.backlog));
      // One event per transaction over a tenth of the backlog: what batching buys.
      const sample = Math.max(100, Math.round(options.backlog / 10));
      runs.push(await drain(context, 'uncapped-1', null, 1, sample));
    }
    return { options, runs };
  } finally {
    await publisher.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await dropDatabase(serverUrl, database).catch(() => undefined);
  }
}

interface BenchTopics {
  readonly created: typeof OrderCreatedV1;
  readonly reserved: typeof InventoryReservedV1;
}

interface DrainContext {
  readonly kafka: Kafka;
  readonly publisher: EventPublisher;
  readonly client: TransactionalClient<SqlExecutor>;
  readonly pool: Pool;
  readonly bench: BenchTopics;
  /** Topics to delete afterwards (the runners' retry topics join it). */
  readonly topics: string[];
  readonly log: (line: string) => void;
}

async function publishBacklog(
  publisher: EventPublisher,
  definition: typeof OrderCreatedV1,
  backlog: number,
  log: (line: string) => void,
): Promise<void> {
  const acceptedAt = new Date().toISOString();
  const chunk = 2000;
  const started = Date.now();
  for (let sent = 0; sent < backlog; sent += chunk) {
    const records = [];
    for (let i = sent; i < Math.min(sent + chunk, backlog); i++) {
      const orderId = randomUUID();
      const event = createEvent(definition, {
        orderId,
        saleId: 'bench-sale',
        userId: `user-${i}`,
        quantity: 1,
        idempotencyKey: orderId,
        priceCents: 100,
        acceptedAt,
      });
      records.push({ topic: definition.topic, key: event.key, value: JSON.stringify(event) });
    }
    await publisher.send(records);
    log(`  backlog: ${Math.min(sent + chunk, backlog)}/${backlog} events published`);
  }
  log(`backlog of ${backlog} events ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * One consumer group drains the topic until `target` events are written. Each event is a saga
 * step: one row written and one follow-up event in the outbox, in the runner's transaction.
 */
async function drain(
  context: DrainContext,
  label: string,
  cap: number | null,
  batch: number,
  target: number,
): Promise<DrainRun> {
  const { kafka, publisher, client, pool, bench, log } = context;
  const groupId = `bench-drain-${label}-${randomUUID().slice(0, 8)}`;
  const logger = ServiceLogger.create('bench-drain', 'warn');
  const runner = new KafkaConsumerRunner(kafka, publisher, logger, new MetricsRegistry('bench'), {
    groupId,
    registry: new EventRegistry([bench.created]),
    store: new PrismaConsumerStore(client),
    maxBatchEvents: batch,
    maxEventsPerSecond: cap ?? Number.POSITIVE_INFINITY,
    handlers: [
      {
        event: bench.created,
        handle: async (
          event: EnvelopeOf<typeof OrderCreatedV1>,
          { tx, outbox }: HandlerScope<SqlExecutor>,
        ) => {
          const { orderId, saleId, userId, quantity, priceCents } = event.payload;
          await tx.$executeRaw`
            INSERT INTO bench_writes (consumer_group, order_id) VALUES (${groupId}, ${orderId})`;
          outbox.add(bench.reserved, {
            orderId,
            saleId,
            userId,
            quantity,
            reservationId: orderId,
            amountCents: priceCents * quantity,
          });
        },
      },
    ],
  });
  context.topics.push(...runner.retryTopics);
  const written = async (): Promise<number> => {
    const result = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM bench_writes WHERE consumer_group = $1',
      [groupId],
    );
    return Number(result.rows[0]?.n ?? 0);
  };
  log(
    `${label}: ${cap === null ? 'no cap' : `cap ${cap}/s`}, ${batch} per transaction, ` +
      `until ${target} events are written`,
  );
  await runner.start();
  try {
    const deadline = Date.now() + 120_000 + (10 * target * 1000) / (cap ?? 1000);
    let done = 0;
    let previous = 0;
    while (done < target) {
      if (Date.now() > deadline) {
        throw new Error(`${label}: only ${done}/${target} events written before the deadline`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
      done = await written();
      log(`  ${label}: ${done}/${target} written (+${Math.round((done - previous) / 2)}/s)`);
      previous = done;
    }
  } finally {
    await runner.stop();
  }
  // By the database's clock: first write to the target-th write.
  const times = await pool.query<{ first: Date; last: Date }>(
    `SELECT min(written_at) AS first, max(written_at) AS last FROM (
       SELECT written_at FROM bench_writes WHERE consumer_group = $1
       ORDER BY written_at LIMIT $2) AS w`,
    [groupId, target],
  );
  const first = times.rows[0]?.first.getTime() ?? 0;
  const last = times.rows[0]?.last.getTime() ?? 0;
  const drainMs = last - first;
  // The middle 80 %: the first and last tenth hold the start-up burst and the tail.
  const steady = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM bench_writes
     WHERE consumer_group = $1 AND written_at >= $2 AND written_at < $3`,
    [groupId, new Date(first + drainMs * 0.1), new Date(first + drainMs * 0.9)],
  );
  return {
    label,
    capPerSec: cap,
    batch,
    events: target,
    drainSec: drainMs / 1000,
    steadyRatePerSec: Number(steady.rows[0]?.n ?? 0) / ((drainMs * 0.8) / 1000),
  };
}
