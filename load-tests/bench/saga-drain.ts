/**
 * `npm run bench -- drain`: the whole saga drains a backlog. N orders are admitted through the
 * running shop's gateway (the real hot path: Redis Lua, outbox, order.created) while the saga's
 * consumers (inventory, payment, logistics, notification) are stopped, then all four are started
 * at once. order-service stays up throughout: it admits, and its own group (the read model) keeps
 * consuming. Every `sampleMs` the bench reads each group's lag (Kafka offsets) and the sale's
 * orders per status (order-service's read model) until every order is terminal and every group
 * is at lag 0; then it measures the Postgres ceiling (pgbench) on the same machine. The figures
 * are judged in saga-drain-report.ts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Admin } from 'kafkajs';
import { Client } from 'pg';
import { JwtCodec } from '@seckill/auth';
import { Topic } from '@seckill/contracts';
import {
  infraEndpoints,
  runningKafkaBrokers,
  repoRoot,
  databaseUrl,
  LOCAL_JWT_SECRET,
  SERVICES,
  serviceSpec,
  nestedIo,
  restart,
  stop,
  baseUrl,
  readiness,
  SHOP_CONSUMER_GROUPS,
  localKafkaAdmin,
  positions,
  readCommits,
  readEnds,
  measurePgCeiling,
  groupPosition,
} from '../engine/infra';
import { sleep } from './children';
import { cpuShares, cpuSnapshot } from './cpu';
import { gitCommit } from './git-commit';
import {
  type Admission,
  type DrainSample,
  sagaLagChart,
  type SagaDrainReport,
  type SagaLedger,
  terminalCount,
} from './saga-drain-report';
import { mapLimit, openSale, ShopApi } from './shop-api';

export interface SagaDrainOptions {
  /** Accepted orders in the backlog. */
  readonly orders: number;
  /** Purchases in flight at once during admission. */
  readonly concurrency: number;
  readonly sampleMs: number;
  /** Give up waiting for the drain after this long (the report says so). */
  readonly timeoutSec: number;
  /** Length of the pgbench run. */
  readonly ceilingSec: number;
}

export const SAGA_DRAIN_DEFAULTS = {
  orders: 2_000,
  concurrency: 32,
  sampleMs: 500,
  ceilingSec: 10,
} as const;

/** Long enough for ~10 orders/s, a quarter of today's rate. */
export function defaultTimeoutSec(orders: number): number {
  return 120 + Math.ceil(orders / 10);
}

/** The saga's consumers: the shop starts them as background services (nice 10). */
export const RELEASED_SERVICES = SERVICES.filter((s) => s.priority === 'background').map(
  (s) => s.name,
);

const READY_TIMEOUT_MS = 120_000;
/** Attempts per purchase answered 429/503/5xx or not at all (same Idempotency-Key each time). */
const MAX_ATTEMPTS = 30;

export interface SagaDrainResult {
  readonly report: SagaDrainReport;
  /** The run's chart and samples, under .cache/bench/. */
  readonly files: readonly string[];
}

export async function runSagaDrain(
  options: SagaDrainOptions,
  command: string,
  log: (line: string) => void,
): Promise<SagaDrainResult> {
  await preflight();
  const endpoints = infraEndpoints(runningKafkaBrokers() ?? 1);
  const stamp = Date.now().toString(36);
  const api = new ShopApi(baseUrl(serviceSpec('gateway').port));
  const admin = localKafkaAdmin('bench-saga-drain');
  const orderDb = new Client({
    connectionString: databaseUrl(endpoints, serviceSpec('order-service').database ?? ''),
  });
  const shopIo = nestedIo(log, '  [shop] ');
  const groups = [...SHOP_CONSUMER_GROUPS];
  let stopped = false;
  let releasing: Promise<unknown> | null = null;
  // Ctrl-C while the consumers are stopped must not leave them stopped.
  const onInterrupt = (): void => {
    log('\ninterrupted: starting the stopped consumers again');
    void (
      stopped && !releasing
        ? restart(RELEASED_SERVICES, READY_TIMEOUT_MS, shopIo)
        : Promise.resolve(0)
    )
      .catch(() => 1)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    await admin.connect();
    await orderDb.connect();
    const codec = new JwtCodec(LOCAL_JWT_SECRET);
    const adminToken = codec.sign({ userId: `bench-drain-admin-${stamp}`, role: 'admin' });
    const sale = await openSale(api, adminToken, `bench saga drain ${stamp}`, options.orders, 1);
    log(`sale ${sale.id}: stock ${options.orders}, one order per user`);
    // inventory-service must know the sale before its orders: it reads sale.published first.
    await waitForGroup(admin, 'inventory-service', Topic.SalePublished, log);
    const baseline = await positions(admin, groups);

    log(
      `stopping ${RELEASED_SERVICES.join(', ')} (order-service keeps admitting and its read model keeps consuming)`,
    );
    stopped = true;
    await stop(RELEASED_SERVICES, false, shopIo);

    const tokens = Array.from({ length: options.orders }, (_, i) =>
      codec.sign({ userId: `bench-drain-${stamp}-${i}`, role: 'user' }),
    );
    log(`admitting ${options.orders} orders through the gateway, ${options.concurrency} at a time`);
    const admitted = await admit(api, sale.id, tokens, options.concurrency, stamp, log);

    log(`releasing ${RELEASED_SERVICES.join(', ')} at once`);
    // The CPU from here to the end: the released services' start-up counts, as it does in time.
    const benchLabel = new Map([[process.pid, 'bench']]);
    const cpuBefore = cpuSnapshot(benchLabel);
    const releasedAt = Date.now();
    const admission: Admission = {
      ...admitted,
      lastAcceptedBeforeReleaseSec: (releasedAt - admitted.lastAcceptedAt) / 1000,
    };
    const release: { readyAfterSec: number | null; error: unknown } = {
      readyAfterSec: null,
      error: undefined,
    };
    releasing = restart(RELEASED_SERVICES, READY_TIMEOUT_MS, shopIo).then(
      () => {
        release.readyAfterSec = (Date.now() - releasedAt) / 1000;
      },
      (error: unknown) => {
        release.error = error;
      },
    );
    const samples: DrainSample[] = [];
    const deadline = releasedAt + options.timeoutSec * 1000;
    let timedOut = false;
    let lastLogged = 0;
    for (;;) {
      const began = Date.now();
      const positionsNow = await positions(admin, groups);
      const atMs = Date.now() - releasedAt;
      const sample: DrainSample = {
        atMs,
        groups: positionsNow,
        statuses: await statuses(orderDb, sale.id),
      };
      samples.push(sample);
      if (release.error !== undefined) throw release.error;
      const terminal = terminalCount(sample.statuses);
      const drained =
        release.readyAfterSec !== null &&
        terminal >= admission.accepted &&
        groups.every((g) => (positionsNow[g]?.lag ?? 0) === 0);
      if (drained || atMs - lastLogged >= 2000) {
        lastLogged = atMs;
        log(progressLine(sample, admission.accepted, groups));
      }
      if (drained) break;
      if (Date.now() > deadline) {
        timedOut = true;
        log(
          `timeout: not drained ${options.timeoutSec} s after the release; reporting what was measured`,
        );
        break;
      }
      await sleep(Math.max(0, options.sampleMs - (Date.now() - began)));
    }
    const cpuElapsedSec = (Date.now() - releasedAt) / 1000;
    const ledger = timedOut ? undefined : await readLedger(endpoints, orderDb, sale.id);
    const cpu = {
      elapsedSec: cpuElapsedSec,
      shares: cpuShares(cpuBefore, cpuSnapshot(benchLabel), cpuElapsedSec),
    };
    await releasing;

    log(`Postgres ceiling (pgbench, ${options.ceilingSec} s, scratch database):`);
    const postgres = await measurePgCeiling({
      conn: endpoints.postgres,
      clients: 8,
      threads: 2,
      durationSec: options.ceilingSec,
      log,
    });
    const report: SagaDrainReport = {
      date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      commit: gitCommit(repoRoot()),
      command,
      saleId: sale.id,
      admission,
      released: RELEASED_SERVICES,
      readyAfterSec: release.readyAfterSec,
      groups,
      baseline,
      samples,
      backlogMin: Math.max(20, Math.round(0.02 * admission.accepted)),
      timedOut,
      postgres,
      cpu,
      ...(ledger ? { ledger } : {}),
    };
    return { report, files: writeRunFiles(report, stamp) };
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    // A failure between the stop and the release leaves the consumers stopped: start them again.
    if (stopped && !releasing) await restart(RELEASED_SERVICES, READY_TIMEOUT_MS, shopIo);
    await admin.disconnect().catch(() => undefined);
    await orderDb.end().catch(() => undefined);
  }
}

/** Every service ready and pgbench installed, or a clear error before anything is touched. */
async function preflight(): Promise<void> {
  const answers = await Promise.all(
    SERVICES.map(async (s) => ({ name: s.name, ...(await readiness(s.port)) })),
  );
  const notReady = answers.filter((a) => !a.ready);
  if (notReady.length) {
    throw new Error(
      `the shop is not running or not ready (${notReady.map((a) => `${a.name}: ${a.detail}`).join('; ')}); ` +
        'start it with "npm run shop -- --detach" ("npm run shop -- status" shows what runs)',
    );
  }
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'pgbench is not installed (apt-get install postgresql-client): it measures the Postgres ceiling',
    );
  }
}

async function admit(
  api: ShopApi,
  saleId: string,
  tokens: readonly string[],
  concurrency: number,
  stamp: string,
  log: (line: string) => void,
): Promise<Omit<Admission, 'lastAcceptedBeforeReleaseSec'> & { lastAcceptedAt: number }> {
  let accepted = 0;
  let retried = 0;
  let lastAcceptedAt = 0;
  const started = Date.now();
  let previous = 0;
  const ticker = setInterval(() => {
    log(
      `  admission: ${accepted}/${tokens.length} × 202 (+${Math.round((accepted - previous) / 2)}/s), ${retried} retried`,
    );
    previous = accepted;
  }, 2000);
  try {
    await mapLimit(tokens, concurrency, async (token, i) => {
      // One key per purchase: a retry after no answer (or 503) gets the first answer, never a second order.
      const key = `drain-${stamp}-${i}`;
      for (let attempt = 1; ; attempt++) {
        const answer = await api
          .placeOrder(token, saleId, key)
          .catch((error: Error) => ({ status: 0, text: error.message }));
        if (answer.status === 202) {
          accepted++;
          lastAcceptedAt = Date.now();
          return;
        }
        const retriable = answer.status === 0 || answer.status === 429 || answer.status >= 500;
        if (!retriable || attempt >= MAX_ATTEMPTS) {
          throw new Error(
            `purchase ${i + 1} of the drain backlog: ${answer.status === 0 ? 'no answer' : `HTTP ${answer.status}`} ` +
              `${answer.text.slice(0, 200)} (after ${attempt} attempts)`,
          );
        }
        retried++;
        // Retry-After is in whole seconds; a short growing pause keeps admission going.
        await sleep(Math.min(2000, 100 * attempt));
      }
    });
  } finally {
    clearInterval(ticker);
  }
  const elapsedSec = (Date.now() - started) / 1000;
  log(
    `admitted ${accepted} orders in ${elapsedSec.toFixed(1)} s (${(accepted / elapsedSec).toFixed(0)}/s), ${retried} retried`,
  );
  return { accepted, elapsedSec, retried, lastAcceptedAt };
}

/** What every service's database holds for the sale (see `sagaChecks`). */
async function readLedger(
  endpoints: ReturnType<typeof infraEndpoints>,
  orderDb: Client,
  saleId: string,
): Promise<SagaLedger> {
  const open = async (service: string): Promise<Client> => {
    const client = new Client({
      connectionString: databaseUrl(endpoints, serviceSpec(service).database ?? ''),
    });
    await client.connect();
    return client;
  };
  const byStatus = async (db: Client, sql: string): Promise<Record<string, number>> => {
    const result = await db.query<{ status: string; n: number }>(sql, [saleId]);
    return Object.fromEntries(result.rows.map((row) => [row.status, Number(row.n)]));
  };
  const [inventory, payment, logistics] = await Promise.all(
    ['inventory-service', 'payment-service', 'logistics-service'].map(open),
  );
  try {
    const stock = await inventory.query<{
      initial_stock: number;
      available: number;
      reserved: number;
      released: number;
    }>('SELECT initial_stock, available, reserved, released FROM sale_stock WHERE sale_id = $1', [
      saleId,
    ]);
    const row = stock.rows[0];
    return {
      orders: await statuses(orderDb, saleId),
      stock: row
        ? {
            initial: row.initial_stock,
            available: row.available,
            reserved: row.reserved,
            released: row.released,
          }
        : null,
      reservations: await byStatus(
        inventory,
        'SELECT status::text AS status, count(*)::int AS n FROM reservations WHERE sale_id = $1 GROUP BY 1',
      ),
      payments: await byStatus(
        payment,
        'SELECT status::text AS status, count(*)::int AS n FROM payments WHERE sale_id = $1 GROUP BY 1',
      ),
      charges: await byStatus(
        payment,
        `SELECT c.status::text AS status, count(*)::int AS n
         FROM provider_charges c JOIN payments p ON p.order_id = c.idempotency_key
         WHERE p.sale_id = $1 GROUP BY 1`,
      ),
      shipments: await byStatus(
        logistics,
        'SELECT status, count(*)::int AS n FROM shipments WHERE sale_id = $1 GROUP BY 1',
      ),
    };
  } finally {
    await Promise.all([inventory, payment, logistics].map((db) => db.end().catch(() => undefined)));
  }
}

async function statuses(db: Client, saleId: string): Promise<Record<string, number>> {
  const result = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM orders WHERE sale_id = $1 GROUP BY status',
    [saleId],
  );
  return Object.fromEntries(result.rows.map((row) => [row.status, row.n]));
}

/** Waits (up to 30 s) until `group` has handled everything on `topic`. */
async function waitForGroup(
  admin: Admin,
  group: string,
  topic: string,
  log: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const commits = await readCommits(admin, group, [topic]);
    const ends = await readEnds(admin, [topic]);
    const { lag } = groupPosition(commits, ends);
    if (lag === 0) return;
    if (Date.now() > deadline)
      throw new Error(`${group} still has ${lag} events of ${topic} to handle after 30 s`);
    log(`  waiting for ${group} to read ${topic} (lag ${lag})`);
    await sleep(500);
  }
}

function progressLine(sample: DrainSample, accepted: number, groups: readonly string[]): string {
  const lags = groups
    .map((g) => `${g.replace(/-service$/, '')} ${sample.groups[g]?.lag ?? 0}`)
    .join(', ');
  return `  +${(sample.atMs / 1000).toFixed(1).padStart(6)} s  terminal ${terminalCount(sample.statuses)}/${accepted}  lag: ${lags}`;
}

/** The chart and the raw samples of this run, kept under .cache/bench/ whatever the options. */
function writeRunFiles(report: SagaDrainReport, stamp: string): string[] {
  const dir = path.join(repoRoot(), '.cache', 'bench');
  fs.mkdirSync(dir, { recursive: true });
  const chart = path.join(dir, `drain-${stamp}.svg`);
  const data = path.join(dir, `drain-${stamp}.json`);
  fs.writeFileSync(chart, sagaLagChart(report));
  fs.writeFileSync(data, `${JSON.stringify(report, null, 2)}\n`);
  return [chart, data].map((f) => path.relative(process.cwd(), f));
}
