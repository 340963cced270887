/**
 * The figures of the whole-saga drain (`npm run bench -- drain`, load-tests/bench/saga-drain.ts): lag
 * arithmetic over Kafka offsets, what each consumer group did, the targets, and their
 * text, markdown and chart forms. Pure: the bench gathers the samples, this file judges them.
 */
import { type PgCeiling, type GroupPosition } from '../engine/infra';
import { TERMINAL_ORDER_STATUSES } from '@seckill/contracts';
import { formatTable } from './stats';
import { type ChartSeries, lineChartSvg } from './svg-chart';

export const SAGA_TARGETS = {
  /** Whole-saga throughput, 202 → terminal, sustained. */
  ordersPerSec: 500,
  /** A backlog of this many accepted orders ... */
  backlogOrders: 10_000,
  /** ... is all terminal this long after the last 202. */
  terminalWithinSec: 30,
} as const;

export interface DrainSample {
  /** Milliseconds since the release (the consumers' start). */
  readonly atMs: number;
  /** Per consumer group. */
  readonly groups: Readonly<Record<string, GroupPosition>>;
  /** The bench sale's orders per read-model status. */
  readonly statuses: Readonly<Record<string, number>>;
}

export function terminalCount(statuses: Readonly<Record<string, number>>): number {
  return TERMINAL_ORDER_STATUSES.reduce((sum, status) => sum + (statuses[status] ?? 0), 0);
}

/**
 * The first time (s) `metric` reaches `value`, interpolated linearly between the two samples
 * around it; null if it never does.
 */
export function timeToReach(
  samples: readonly DrainSample[],
  value: number,
  metric: (sample: DrainSample) => number,
): number | null {
  for (let i = 0; i < samples.length; i++) {
    const current = metric(samples[i]);
    if (current < value) continue;
    if (i === 0) return samples[0].atMs / 1000;
    const before = metric(samples[i - 1]);
    const share = current === before ? 1 : (value - before) / (current - before);
    const t0 = samples[i - 1].atMs;
    return (t0 + share * (samples[i].atMs - t0)) / 1000;
  }
  return null;
}

export interface GroupSummary {
  readonly group: string;
  readonly peakLag: number;
  readonly peakAtSec: number;
  /** Since the release, when it handled its first event (start-up and group join before it). */
  readonly firstEventAtSec: number | null;
  /** Since the release, until its lag was zero for good; null if it still had lag at the end. */
  readonly drainedAtSec: number | null;
  /** Events it handled from the release to the end. */
  readonly events: number;
  /** Events it handled per accepted order over the whole run (admission included). */
  readonly eventsPerOrder: number;
  /** Events/s from its first handled event to drainedAtSec (or the end). */
  readonly meanRatePerSec: number;
  /**
   * Events/s over the intervals, from its first event on, it was behind at both ends (lag of at
   * least `backlogMin` orders' worth of its events): what it can do when it has work.
   */
  readonly behindRatePerSec: number | null;
  readonly behindSec: number;
}

export function summarizeGroup(
  group: string,
  samples: readonly DrainSample[],
  baseline: GroupPosition | undefined,
  orders: number,
  backlogMin: number,
): GroupSummary {
  const at = (i: number): GroupPosition => samples[i].groups[group] ?? { lag: 0, read: 0 };
  const last = samples.length - 1;
  const total = last >= 0 ? at(last).read - (baseline ?? at(0)).read : 0;
  const eventsPerOrder = orders > 0 ? total / orders : 0;
  // backlogMin is in orders: the read model, 4 events per order, holds 4 times as many in flight.
  const behindLag = backlogMin * Math.max(1, eventsPerOrder);
  let peak = 0;
  let lastLagged = -1;
  let firstRead = -1;
  let behindEvents = 0;
  let behindMs = 0;
  for (let i = 0; i < samples.length; i++) {
    const { lag, read } = at(i);
    if (lag > at(peak).lag) peak = i;
    if (lag > 0) lastLagged = i;
    if (i === 0) continue;
    const before = at(i - 1);
    if (firstRead < 0 && read > before.read) firstRead = i - 1;
    if (firstRead >= 0 && before.lag >= behindLag && lag >= behindLag) {
      behindEvents += read - before.read;
      behindMs += samples[i].atMs - samples[i - 1].atMs;
    }
  }
  const drained = lastLagged < last ? lastLagged + 1 : -1;
  const end = drained >= 0 ? drained : last;
  const events = last >= 0 ? at(last).read - at(0).read : 0;
  const activeMs = firstRead >= 0 ? samples[end].atMs - samples[firstRead].atMs : 0;
  const handled = firstRead >= 0 ? at(end).read - at(firstRead).read : 0;
  return {
    group,
    peakLag: last >= 0 ? at(peak).lag : 0,
    peakAtSec: last >= 0 ? samples[peak].atMs / 1000 : 0,
    firstEventAtSec: firstRead >= 0 ? samples[firstRead].atMs / 1000 : null,
    drainedAtSec: drained >= 0 ? samples[drained].atMs / 1000 : null,
    events,
    eventsPerOrder,
    meanRatePerSec: activeMs > 0 ? handled / (activeMs / 1000) : 0,
    behindRatePerSec: behindMs > 0 ? behindEvents / (behindMs / 1000) : null,
    behindSec: behindMs / 1000,
  };
}

/** A group's rate in orders/s: its events/s over the events it handles per order. */
export function ordersPerSec(summary: GroupSummary, eventsPerSec: number): number {
  return summary.eventsPerOrder > 0 ? eventsPerSec / summary.eventsPerOrder : 0;
}

/**
 * The slowest consumer: of the groups that were behind for at least a quarter of the longest
 * time any group was, the one that handled the fewest orders per second while behind. A group
 * that was never behind kept up with what it was fed, and one behind for a moment (a pause, a
 * rebalance) gives no rate worth comparing.
 */
export function slowestGroup(summaries: readonly GroupSummary[]): GroupSummary | null {
  const longest = Math.max(0, ...summaries.map((s) => s.behindSec));
  let slowest: GroupSummary | null = null;
  let slowestRate = Number.POSITIVE_INFINITY;
  for (const s of summaries) {
    if (s.behindRatePerSec === null || s.behindSec < 0.25 * longest) continue;
    const rate = ordersPerSec(s, s.behindRatePerSec);
    if (rate < slowestRate) [slowest, slowestRate] = [s, rate];
  }
  return slowest;
}

export interface Admission {
  /** Orders answered 202. */
  readonly accepted: number;
  readonly elapsedSec: number;
  /** Purchases answered 429/503 (or not at all) and retried with the same Idempotency-Key. */
  readonly retried: number;
  /** How long before the release the last 202 came. */
  readonly lastAcceptedBeforeReleaseSec: number;
}

export interface SagaDrainReport {
  readonly date: string;
  /** The commit the shop ran (`gitCommit`: short sha, "+ uncommitted changes" if dirty). */
  readonly commit: string;
  readonly command: string;
  readonly saleId: string;
  readonly admission: Admission;
  /** The services stopped during admission and released together. */
  readonly released: readonly string[];
  /** Since the release, when every released service answered ready; null if unknown. */
  readonly readyAfterSec: number | null;
  readonly groups: readonly string[];
  /** Each group's position just before admission began. */
  readonly baseline: Readonly<Record<string, GroupPosition>>;
  readonly samples: readonly DrainSample[];
  /** A group with this many orders' worth of events waiting (or more) is "behind". */
  readonly backlogMin: number;
  /** The run stopped at its timeout before the saga had drained. */
  readonly timedOut: boolean;
  readonly postgres: PgCeiling | null;
  /** The CPU the machine spent from the release to the end of the run (absent in older runs). */
  readonly cpu?: DrainCpu;
  /** What each service's database holds for the sale once drained (absent in older runs). */
  readonly ledger?: SagaLedger;
}

/** Counts for the bench's sale from every service's database, read once the saga has drained. */
export interface SagaLedger {
  /** order-service's read model: orders per status. */
  readonly orders: Readonly<Record<string, number>>;
  /** inventory-service: the sale's stock row, and reservations per status. */
  readonly stock: {
    readonly initial: number;
    readonly available: number;
    readonly reserved: number;
    readonly released: number;
  } | null;
  readonly reservations: Readonly<Record<string, number>>;
  /** payment-service: payments per status, and the provider's charges of the sale per status. */
  readonly payments: Readonly<Record<string, number>>;
  readonly charges: Readonly<Record<string, number>>;
  /** logistics-service: shipments per status. */
  readonly shipments: Readonly<Record<string, number>>;
}

export interface SagaCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const count = (by: Readonly<Record<string, number>>, ...keys: string[]): number =>
  keys.reduce((sum, key) => sum + (by[key] ?? 0), 0);
const total = (by: Readonly<Record<string, number>>): number =>
  Object.values(by).reduce((sum, n) => sum + n, 0);

/**
 * The brief's invariants, as far as the databases show them for one sale of one-unit orders
 * (the verifier of issue 11 will check them across Redis and Kafka too): nothing oversold and
 * stock conserved, one effect per order in every service, and every kept order paid and shipped.
 */
export function sagaChecks(ledger: SagaLedger, accepted: number): SagaCheck[] {
  const { orders, stock, reservations, payments, charges, shipments } = ledger;
  const shipped = count(orders, 'SHIPPED');
  const givenBack = count(orders, 'FAILED', 'CANCELLED');
  const kept = stock ? stock.reserved - stock.released : Number.NaN;
  return [
    {
      name: 'every accepted order in the read model, and terminal',
      ok: total(orders) === accepted && shipped + givenBack === accepted,
      detail: `${total(orders)} orders for ${accepted} 202s: ${statusText(orders)}`,
    },
    {
      name: 'no oversell, stock conserved',
      ok:
        stock !== null &&
        stock.available >= 0 &&
        stock.initial === stock.available + stock.reserved - stock.released &&
        kept === shipped,
      detail: stock
        ? `initial ${stock.initial} = available ${stock.available} + reserved ${stock.reserved} - released ${stock.released}; ${kept} units kept for ${shipped} SHIPPED orders`
        : 'no stock row for the sale',
    },
    {
      name: 'one reservation per order; every order that failed gave its unit back',
      ok:
        total(reservations) === accepted &&
        count(reservations, 'RELEASED', 'REJECTED') === givenBack,
      detail: `reservations: ${statusText(reservations)}; FAILED/CANCELLED orders ${givenBack}`,
    },
    {
      name: 'one payment per order, charged once',
      ok:
        total(payments) === accepted &&
        count(payments, 'CAPTURED') === shipped &&
        count(charges, 'SUCCEEDED') === count(payments, 'CAPTURED') &&
        count(charges, 'REFUNDED') === count(payments, 'REFUNDED'),
      detail: `payments: ${statusText(payments)}; provider charges: ${statusText(charges)}`,
    },
    {
      name: 'one shipment per paid order',
      ok: count(shipments, 'CREATED') === shipped && total(shipments) <= accepted,
      detail: `shipments: ${statusText(shipments)}; SHIPPED orders ${shipped}`,
    },
  ];
}

function statusText(by: Readonly<Record<string, number>>): string {
  const entries = Object.entries(by).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(', ');
}

/** CPU per process group (load-tests/bench/cpu.ts `cpuShares`) over `elapsedSec` from the release. */
export interface DrainCpu {
  readonly elapsedSec: number;
  /** Percent of one core per label, largest first. */
  readonly shares: ReadonlyArray<{ readonly label: string; readonly percent: number }>;
}

/**
 * "CPU from the release to the end: 5.47 ms per order (postgres 1.69, payment-service 0.91, …),
 * 186 % of a core": every process, the bench's own included, per accepted order.
 */
export function cpuPerOrderLine(cpu: DrainCpu, orders: number): string | null {
  if (!(orders > 0) || !(cpu.elapsedSec > 0) || cpu.shares.length === 0) return null;
  const msPerOrder = (percent: number) => ((percent / 100) * cpu.elapsedSec * 1000) / orders;
  const total = cpu.shares.reduce((sum, s) => sum + s.percent, 0);
  const parts = cpu.shares
    .filter((s) => msPerOrder(s.percent) >= 0.01)
    .map((s) => `${s.label} ${msPerOrder(s.percent).toFixed(2)}`);
  return (
    `CPU from the release to the end (${cpu.elapsedSec.toFixed(1)} s): ` +
    `${msPerOrder(total).toFixed(2)} ms per order (${parts.join(', ')}), ${total.toFixed(0)} % of a core`
  );
}

export interface Verdict {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly result: 'met' | 'missed' | 'not judged';
}

export interface SagaAnalysis {
  /** Since the release, when every accepted order was terminal. */
  readonly terminalAtSec: number | null;
  /** The same, from the last 202. */
  readonly terminalAfterLast202Sec: number | null;
  /** Orders/s turning terminal between 10 % and 90 % of them. */
  readonly sustainedPerSec: number | null;
  /** Since the release, when every group's lag was zero. */
  readonly drainedAtSec: number | null;
  readonly groups: readonly GroupSummary[];
  readonly slowest: GroupSummary | null;
  readonly verdicts: readonly Verdict[];
  readonly finalStatuses: Readonly<Record<string, number>>;
}

export function analyzeSagaDrain(r: SagaDrainReport): SagaAnalysis {
  const accepted = r.admission.accepted;
  const terminal = (s: DrainSample): number => terminalCount(s.statuses);
  const terminalAtSec = accepted > 0 ? timeToReach(r.samples, accepted, terminal) : null;
  const t10 = timeToReach(r.samples, 0.1 * accepted, terminal);
  const t90 = timeToReach(r.samples, 0.9 * accepted, terminal);
  const sustainedPerSec =
    t10 !== null && t90 !== null && t90 > t10 ? (0.8 * accepted) / (t90 - t10) : null;
  const groups = r.groups.map((g) =>
    summarizeGroup(g, r.samples, r.baseline[g], accepted, r.backlogMin),
  );
  const drainTimes = groups.map((g) => g.drainedAtSec);
  const drainedAtSec = drainTimes.every((t): t is number => t !== null)
    ? Math.max(0, ...drainTimes)
    : null;
  const terminalAfterLast202Sec =
    terminalAtSec === null ? null : terminalAtSec + r.admission.lastAcceptedBeforeReleaseSec;
  return {
    terminalAtSec,
    terminalAfterLast202Sec,
    sustainedPerSec,
    drainedAtSec,
    groups,
    slowest: slowestGroup(groups),
    verdicts: verdicts(accepted, sustainedPerSec, terminalAfterLast202Sec),
    finalStatuses: r.samples[r.samples.length - 1]?.statuses ?? {},
  };
}

function verdicts(
  accepted: number,
  sustainedPerSec: number | null,
  terminalAfterLast202Sec: number | null,
): Verdict[] {
  const t = SAGA_TARGETS;
  const rate = sustainedPerSec ?? 0;
  const backlogJudged = accepted >= t.backlogOrders;
  return [
    {
      name: 'whole-saga throughput (202 → terminal), sustained',
      target: `≥ ${t.ordersPerSec} orders/s`,
      measured:
        sustainedPerSec === null
          ? 'not measured (the orders did not get from 10 % to 90 % terminal)'
          : `${rate.toFixed(1)} orders/s (${(rate / t.ordersPerSec).toFixed(3)} × the target)`,
      result: rate >= t.ordersPerSec ? 'met' : 'missed',
    },
    {
      name: `${t.backlogOrders.toLocaleString('en-US')} accepted orders all terminal`,
      target: `≤ ${t.terminalWithinSec} s after the last 202`,
      measured:
        terminalAfterLast202Sec === null
          ? `${accepted} orders, not all terminal by the end of the run`
          : `${accepted} orders, all terminal ${terminalAfterLast202Sec.toFixed(1)} s after the last 202`,
      result: !backlogJudged
        ? 'not judged'
        : terminalAfterLast202Sec !== null && terminalAfterLast202Sec <= t.terminalWithinSec
          ? 'met'
          : 'missed',
    },
  ];
}

function sec(value: number | null): string {
  return value === null ? 'not reached' : `${value.toFixed(1)} s`;
}

function rate(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

const GROUP_HEADER = [
  'consumer group',
  'peak lag',
  'at s',
  'first event s',
  'lag 0 at s',
  'events',
  'events/order',
  'events/s (mean)',
  'events/s (behind)',
  'orders/s (behind)',
  'behind s',
];

function groupRows(a: SagaAnalysis): string[][] {
  return a.groups.map((g) => [
    g === a.slowest ? `${g.group} (slowest)` : g.group,
    String(g.peakLag),
    g.peakAtSec.toFixed(1),
    g.firstEventAtSec === null ? '-' : g.firstEventAtSec.toFixed(1),
    g.drainedAtSec === null ? 'not reached' : g.drainedAtSec.toFixed(1),
    String(g.events),
    g.eventsPerOrder.toFixed(2),
    g.meanRatePerSec.toFixed(1),
    rate(g.behindRatePerSec),
    g.behindRatePerSec === null ? '-' : ordersPerSec(g, g.behindRatePerSec).toFixed(1),
    g.behindSec.toFixed(1),
  ]);
}

function statusLine(statuses: Readonly<Record<string, number>>): string {
  const parts = Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status} ${n}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** The lines about the slowest group and the Postgres ceiling, shared by both forms. */
function findings(r: SagaDrainReport, a: SagaAnalysis): string[] {
  const out: string[] = [];
  if (a.slowest && a.slowest.behindRatePerSec !== null) {
    const orders = ordersPerSec(a.slowest, a.slowest.behindRatePerSec);
    out.push(
      `slowest consumer: ${a.slowest.group}, ${a.slowest.behindRatePerSec.toFixed(1)} events/s ` +
        `= ${orders.toFixed(1)} orders/s while behind (${a.slowest.behindSec.toFixed(1)} s; ` +
        `${a.slowest.eventsPerOrder.toFixed(2)} events per order)`,
    );
  } else out.push('slowest consumer: none was ever behind');
  const longest = a.groups.reduce<GroupSummary | null>(
    (best, g) => (g.behindSec > (best?.behindSec ?? 0) ? g : best),
    null,
  );
  if (longest && longest !== a.slowest)
    out.push(`behind longest: ${longest.group}, ${longest.behindSec.toFixed(1)} s`);
  const cpu = r.cpu && cpuPerOrderLine(r.cpu, r.admission.accepted);
  if (cpu) out.push(cpu);
  for (const check of r.ledger ? sagaChecks(r.ledger, r.admission.accepted) : []) {
    out.push(`check ${check.ok ? 'PASS' : 'FAIL'}: ${check.name} (${check.detail})`);
  }
  if (r.postgres) {
    const pg = r.postgres;
    const ratios = [
      a.sustainedPerSec === null
        ? null
        : `whole saga ${a.sustainedPerSec.toFixed(1)} orders/s = ${pct(a.sustainedPerSec / pg.tps)}`,
      a.slowest?.behindRatePerSec == null
        ? null
        : `slowest consumer ${a.slowest.behindRatePerSec.toFixed(1)} events/s = ${pct(a.slowest.behindRatePerSec / pg.tps)}`,
    ].filter((x): x is string => x !== null);
    out.push(
      `Postgres ceiling (same run, ${pg.clients} clients, ${pg.durationSec} s): ${pg.tps.toFixed(0)} tps` +
        (ratios.length ? `; ${ratios.join('; ')} of it` : ''),
    );
  }
  return out;
}

function pct(ratio: number): string {
  return `${(100 * ratio).toFixed(1)} %`;
}

export function formatSagaDrainReport(r: SagaDrainReport): string {
  const a = analyzeSagaDrain(r);
  const ad = r.admission;
  const lines = [
    `whole-saga drain, ${r.date}: ${ad.accepted} accepted orders released at once to ${r.released.join(', ')}`,
    `admission: ${ad.accepted} × 202 in ${ad.elapsedSec.toFixed(1)} s = ${(ad.accepted / Math.max(ad.elapsedSec, 1e-9)).toFixed(0)} orders/s ` +
      `(${ad.retried} retried after 429/503); release ${ad.lastAcceptedBeforeReleaseSec.toFixed(1)} s after the last 202`,
    `released services ready after ${sec(r.readyAfterSec)}; every order terminal after ${sec(a.terminalAtSec)} ` +
      `(${sec(a.terminalAfterLast202Sec)} after the last 202); every group at lag 0 after ${sec(a.drainedAtSec)}` +
      (r.timedOut ? ' (the run stopped at its timeout)' : ''),
    `final statuses: ${statusLine(a.finalStatuses)}`,
    '',
    formatTable(GROUP_HEADER, groupRows(a)),
    '',
    ...findings(r, a),
    '',
    'targets (issue "Whole-saga drain benchmark"):',
    ...a.verdicts.map(
      (v) =>
        `  ${v.result.toUpperCase().padEnd(10)} ${v.name}: ${v.target}; measured ${v.measured}`,
    ),
  ];
  return lines.join('\n');
}

export const SAGA_DRAIN_DOC_MARKERS = {
  begin: '<!-- bench:saga-drain:begin (generated by npm run bench -- drain --update-docs) -->',
  end: '<!-- bench:saga-drain:end -->',
} as const;

/** The generated section of docs/benchmarks.md; `chart` is the SVG's path relative to it. */
export function formatSagaDrainMarkdown(r: SagaDrainReport, chart: string): string {
  const a = analyzeSagaDrain(r);
  const ad = r.admission;
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const table = (
    header: readonly string[],
    rows: readonly (readonly string[])[],
    numeric: boolean,
  ): string[] => [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (numeric && i > 0 ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ];
  return [
    `Run ${r.date} on commit \`${r.commit}\`: \`${r.command}\`. ${ad.accepted} orders admitted through the gateway in ` +
      `${ad.elapsedSec.toFixed(1)} s (${ad.retried} retried after 429/503) with ${r.released.join(', ')} ` +
      `stopped, then released at once ${ad.lastAcceptedBeforeReleaseSec.toFixed(1)} s after the last 202; ` +
      `ready after ${sec(r.readyAfterSec)}.`,
    '',
    `Every order terminal **${sec(a.terminalAtSec)}** after the release ` +
      `(${sec(a.terminalAfterLast202Sec)} after the last 202); every group at lag 0 after ` +
      `${sec(a.drainedAtSec)}${r.timedOut ? ' (stopped at the timeout)' : ''}. Final statuses: ` +
      `${statusLine(a.finalStatuses)}.`,
    '',
    ...table(GROUP_HEADER, groupRows(a), true),
    '',
    ...findings(r, a).map((line) => `- ${line.charAt(0).toUpperCase()}${line.slice(1)}.`),
    '',
    ...table(
      ['target', 'wanted', 'measured', 'result'],
      a.verdicts.map((v) => [
        v.name,
        v.target,
        v.measured,
        v.result === 'missed' ? '**missed**' : v.result,
      ]),
      false,
    ),
    '',
    `![Lag per consumer group after the release](${chart})`,
  ].join('\n');
}

/** Lag per group over time, and the orders not terminal yet (dashed). */
export function sagaLagChart(r: SagaDrainReport): string {
  const series: ChartSeries[] = r.groups.map((group) => ({
    name: group,
    points: r.samples.map((s) => [s.atMs / 1000, s.groups[group]?.lag ?? 0] as const),
  }));
  series.push({
    name: 'orders not terminal',
    dashed: true,
    points: r.samples.map(
      (s) => [s.atMs / 1000, r.admission.accepted - terminalCount(s.statuses)] as const,
    ),
  });
  return lineChartSvg({
    title: `Whole-saga drain: ${r.admission.accepted} orders released at once (${r.date})`,
    xLabel: 'seconds since the release',
    yLabel: 'lag (events) / orders',
    series,
  });
}
