/**
 * peak-shaving (seed 3.2): the queue as a reservoir. The load engine's flash-sale scenario with
 * STOCK units and one buyer per unit, all at once (an instant burst of STOCK purchases), then a
 * short ramp on the sold-out sale. Redis admits the burst in a moment; the saga's consumers take
 * it at their own pace, capped (CONSUMER_MAX_EVENTS_PER_SECOND, which each service exports as
 * `seckill_consumer_rate_cap_events_per_second{group}`), so the spike becomes lag that rises and
 * drains. The engine samples every group's lag and both stock stores every 500 ms; the demo
 * prints each group's peak, the seconds to drain it and the drain rate against the cap, and when
 * Redis's stock and PostgreSQL's reached their final value. CI's browser test runs this one: it
 * must stay well under 60 s on 2 cores.
 */
import { SERVICES, SHOP_CONSUMER_GROUPS, localKafkaAdmin } from '../engine/infra';
import { fetchMetrics, metricByLabel } from '../bench/prom';
import { formatTable } from '../bench/stats';
import { runScenario } from '../engine/run';
import { SAMPLE_EVERY_MS, positionsByGroup, readings } from '../engine/timeseries';
import flashSale from '../scenarios/flash-sale';
import { backlogOf, lastValue, lowestAt, secondsBetween, valueAt } from './backlog';
import { type DemoCheck, type Log, check, defineDemo } from './demo';
import { engineChecks, engineOptions } from './runs';
import { watchLag } from './topology';

const STOCK = 600;
/** A lag below this is a saga keeping pace, not a reservoir filling. */
export const VISIBLE_BACKLOG = 100;
const RATE_CAP_METRIC = 'seckill_consumer_rate_cap_events_per_second';

/** Each consumer group's rate cap, read from the services' /metrics (0: no cap). */
async function rateCaps(): Promise<Map<string, number>> {
  const caps = new Map<string, number>();
  for (const service of SERVICES.filter((s) => s.usesKafka)) {
    const text = await fetchMetrics(`http://127.0.0.1:${service.port}`);
    if (text === null) continue;
    for (const [group, cap] of metricByLabel(text, RATE_CAP_METRIC, 'group')) caps.set(group, cap);
  }
  return caps;
}

const capText = (cap: number | undefined): string =>
  cap === undefined ? 'unknown' : cap === 0 ? 'none' : `${cap.toLocaleString('en-US')}/s`;

/** The spike became lag somewhere, and every group that lagged drained to 0. Pure. */
export function backlogChecks(
  backlogs: ReadonlyMap<string, ReturnType<typeof backlogOf>>,
): DemoCheck[] {
  const all = [...backlogs];
  const highest = all.reduce((max, [, b]) => Math.max(max, b.peakLag), 0);
  const stuck = all.filter(([, b]) => b.peakLag > 0 && b.drainedAtMs === null);
  return [
    check(
      'the arrival spike became lag',
      highest >= VISIBLE_BACKLOG,
      `highest peak ${highest.toLocaleString('en-US')} events (visible from ${VISIBLE_BACKLOG})`,
    ),
    check(
      'the lag drained to 0',
      stuck.length === 0,
      stuck.length === 0
        ? 'every group that lagged was back at 0'
        : `still behind: ${stuck.map(([g]) => g).join(', ')}`,
    ),
  ];
}

type Readings = ReadonlyArray<{ readonly atMs: number; readonly value: number | null }>;

export interface StockFigures {
  readonly redisLow: { readonly atMs: number; readonly value: number } | null;
  readonly postgresLow: { readonly atMs: number; readonly value: number } | null;
  readonly redisEnd: number | null;
  readonly postgresEnd: number | null;
}

export function stockFigures(redis: Readings, postgres: Readings): StockFigures {
  return {
    redisLow: lowestAt(redis),
    postgresLow: lowestAt(postgres),
    redisEnd: lastValue(redis),
    postgresEnd: lastValue(postgres),
  };
}

/**
 * Redis reached its low no later than PostgreSQL (within one sampling interval: the two stores
 * are read by loops of their own) and both end at the same stock. Pure.
 */
export function stockCheck(s: StockFigures): DemoCheck {
  const first =
    s.redisLow !== null &&
    s.postgresLow !== null &&
    s.redisLow.atMs <= s.postgresLow.atMs + SAMPLE_EVERY_MS;
  const agree = s.redisEnd !== null && s.redisEnd === s.postgresEnd;
  return check(
    'Redis moved first, PostgreSQL followed until both agree',
    first && agree,
    (s.redisLow !== null && s.postgresLow !== null
      ? `Redis reached its low ${((s.postgresLow.atMs - s.redisLow.atMs) / 1000).toFixed(1)} s before PostgreSQL`
      : 'a store never had a reading') +
      `; they end at ${s.redisEnd ?? '-'} and ${s.postgresEnd ?? '-'} units`,
  );
}

function printBacklogs(
  log: Log,
  backlogs: ReadonlyMap<string, ReturnType<typeof backlogOf>>,
  caps: ReadonlyMap<string, number>,
  t0: number,
): void {
  const rows = [...backlogs].map(([group, b]) => [
    group,
    b.peakLag.toLocaleString('en-US'),
    secondsBetween(t0, b.peakAtMs),
    secondsBetween(b.peakAtMs, b.drainedAtMs),
    b.drainPerSec === null ? '-' : `${Math.round(b.drainPerSec).toLocaleString('en-US')}/s`,
    capText(caps.get(group)),
  ]);
  const header = ['consumer group', 'lag peak', 'peak at', 'drained in', 'drain rate', 'rate cap'];
  for (const line of formatTable(header, rows).split('\n')) log(`  ${line}`);
}

export default defineDemo({
  name: 'peak-shaving',
  run: async ({ url, log, detail }) => {
    const caps = await rateCaps();
    log('');
    log(
      `each consumer group's rate cap (${RATE_CAP_METRIC}): ` +
        (SHOP_CONSUMER_GROUPS.map(
          (g) => `${g.replace(/-service$/, '')} ${capText(caps.get(g))}`,
        ).join(' · ') || 'none read'),
    );
    log(
      `a flash sale: ${STOCK.toLocaleString('en-US')} units, ${STOCK.toLocaleString('en-US')} buyers at ` +
        'the same instant, then a short ramp on the sold-out sale (npm run load -- flash-sale ' +
        `--stock ${STOCK} --buyers-per-unit 1 --ramp-from 20 --rate 100 --duration 3s); the lag every 2 s:`,
    );
    const admin = localKafkaAdmin(`demo-peak-shaving-${Date.now().toString(36)}`);
    await admin.connect();
    const watch = watchLag(admin, SHOP_CONSUMER_GROUPS, 2_000, log);
    let report;
    try {
      report = await runScenario(
        flashSale,
        {
          ...engineOptions(flashSale.options, url),
          stock: STOCK,
          buyersPerUnit: 1,
          perUserLimit: 1,
          rampFrom: 20,
          rate: 100,
          duration: 3,
        },
        detail,
      );
    } finally {
      await watch.stop();
      await admin.disconnect().catch(() => undefined);
    }

    const series = report.timeseries;
    const byGroup = positionsByGroup(series?.positions ?? [], SHOP_CONSUMER_GROUPS);
    const backlogs = new Map([...byGroup].map(([g, samples]) => [g, backlogOf(samples)]));
    const t0 = report.shopAnswers.reduce((t, a) => Math.min(t, a.sentAtMs), Date.now());
    log('');
    log(
      "the reservoir: each group's lag peak (s from the burst), the time to drain it, at what rate",
    );
    printBacklogs(log, backlogs, caps, t0);

    const redis = readings(series?.stockRedis ?? []);
    const postgres = readings(series?.stockPostgres ?? []);
    const stock = stockFigures(redis, postgres);
    log('');
    log(
      `stock: Redis (admission) reached its low of ${stock.redisLow?.value ?? '-'} at ${secondsBetween(t0, stock.redisLow?.atMs ?? null)}` +
        (stock.redisLow
          ? ` (PostgreSQL then still had ${valueAt(postgres, stock.redisLow.atMs) ?? '-'})`
          : '') +
        `; PostgreSQL (inventory) reached its low of ${stock.postgresLow?.value ?? '-'} at ` +
        `${secondsBetween(t0, stock.postgresLow?.atMs ?? null)}; both end at ` +
        `${stock.redisEnd ?? '-'} and ${stock.postgresEnd ?? '-'} (declined payments put units back)`,
    );
    return [...backlogChecks(backlogs), stockCheck(stock), ...engineChecks(report, 'reported')];
  },
});
