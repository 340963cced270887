/**
 * The charts of a run, as SVG files in its folder (load-tests/bench/svg-chart.ts draws them): what the
 * buyers heard, per second (answers by outcome, latency p50/p99), and the shop's state the
 * sampler read (timeseries.ts): consumer lag, rows written per service database, the sale's stock
 * in Redis and in PostgreSQL. The x axis is seconds from the load's start throughout, so the
 * charts of one run line up; moments worth marking (a chaos fault and its repair) are dashed
 * vertical lines, and the time a store could not be read is a dashed stretch of the x axis.
 *
 * The data shaping is exported and tested; the drawing is lineChartSvg's. Pure.
 */
import { percentileOfSorted } from '../bench/stats';
import { type ChartSeries, lineChartSvg } from '../bench/svg-chart';
import { OUTCOME_LABELS, type Outcome } from './outcomes';
import type { Answer } from './results';
import {
  type Gap,
  type GroupPositions,
  type PerDatabase,
  type Sample,
  type TimeSeries,
  gapsOf,
  positionsByGroup,
  readings,
} from './timeseries';

/** [seconds from the load's start, value]. */
export type Point = [number, number];

/** A moment to mark on every chart of a run ("SIGKILL inventory-service (pid 123)"). */
export interface ChartMark {
  readonly atMs: number;
  readonly what: string;
}

/** Seconds from `t0`, to a tenth: the samples are 500 ms apart. */
export const secondsFrom = (ms: number, t0: number): number => Math.round((ms - t0) / 100) / 10;

/** Samples from before the load (the sampler starts a moment earlier) would sit left of the axis. */
const fromLoadStart = (points: readonly Point[]): Point[] => points.filter(([x]) => x >= 0);

const highest = (series: readonly ChartSeries[]): number =>
  Math.max(1, ...series.flatMap((s) => s.points.map(([, y]) => y)));

/**
 * The longest legend entry, in characters: lineChartSvg widens the image for a long one, and
 * this keeps a chart readable at docs width.
 */
export const LEGEND_CHARS = 48;

/**
 * A mark's text for the legend: without `-service` and a detail in parentheses (`(pid 123)`),
 * cut if still too long. The whole timeline is in the run's output and chaos.json.
 */
export function legendOf(text: string): string {
  const short = text
    .replace(/-service\b/g, '')
    .replace(/\s*\([^)]*\)/g, '')
    .trim();
  return short.length <= LEGEND_CHARS ? short : `${short.slice(0, LEGEND_CHARS - 1)}…`;
}

/** A dashed vertical line per mark, as tall as the chart's highest value. */
export function markLines(marks: readonly ChartMark[], t0: number, top: number): ChartSeries[] {
  return marks.map((m) => {
    const x = secondsFrom(m.atMs, t0);
    return {
      name: legendOf(`${x} s ${m.what}`),
      points: [
        [x, 0],
        [x, top],
      ],
      dashed: true,
    };
  });
}

/**
 * A dashed stretch of the x axis per gap: the line of the store's series joins the readings on
 * either side of it, and this says that nothing was read in between.
 */
export function gapLines(gaps: readonly Gap[], t0: number, store: string): ChartSeries[] {
  return gaps.map((g) => {
    const from = secondsFrom(g.fromMs, t0);
    const to = secondsFrom(g.toMs, t0);
    return {
      name: `${store} gap ${from}–${to} s`,
      points: [
        [Math.max(0, from), 0],
        [Math.max(0, to), 0],
      ],
      dashed: true,
    };
  });
}

/** Answers per second of sending, by outcome: one series per outcome that occurred. */
export function answersPerSecond(answers: readonly Answer[], t0: number): Map<Outcome, Point[]> {
  const last = answers.reduce((max, a) => Math.max(max, a.sentAtMs), t0);
  const buckets = Math.floor((last - t0) / 1000) + 1;
  const counts = new Map<Outcome, number[]>();
  for (const a of answers) {
    const second = Math.floor((a.sentAtMs - t0) / 1000);
    if (second < 0) continue;
    const row = counts.get(a.outcome) ?? new Array<number>(buckets).fill(0);
    row[second] += 1;
    counts.set(a.outcome, row);
  }
  return new Map([...counts].map(([outcome, row]) => [outcome, row.map((n, i): Point => [i, n])]));
}

/**
 * p50 and p99 of the latency (ms, vegeta's: from when the request was due to the end of its
 * answer) of every answer sent in each second. A second nothing was sent in has no point: a
 * latency of 0 would be a claim.
 */
export function latencyPerSecond(
  answers: readonly Answer[],
  t0: number,
): { readonly p50: Point[]; readonly p99: Point[] } {
  const bySecond = new Map<number, number[]>();
  for (const a of answers) {
    const second = Math.floor((a.sentAtMs - t0) / 1000);
    if (second < 0) continue;
    const list = bySecond.get(second);
    if (list) list.push(a.latencyNs / 1e6);
    else bySecond.set(second, [a.latencyNs / 1e6]);
  }
  const seconds = [...bySecond.keys()].sort((a, b) => a - b);
  const sorted = seconds.map((s) => (bySecond.get(s) ?? []).sort((a, b) => a - b));
  return {
    p50: seconds.map((s, i): Point => [s, percentileOfSorted(sorted[i], 50)]),
    p99: seconds.map((s, i): Point => [s, percentileOfSorted(sorted[i], 99)]),
  };
}

/** Each consumer group's lag over time. */
export function lagPoints(
  samples: readonly Sample<GroupPositions>[],
  t0: number,
): Map<string, Point[]> {
  return new Map(
    [...positionsByGroup(samples)].map(([group, list]) => [
      group,
      fromLoadStart(list.map((s): Point => [secondsFrom(s.atMs, t0), s.lag])),
    ]),
  );
}

/**
 * Rows written per second by each service database, from the cumulative counters: each point is
 * the rate since the reading about `windowMs` earlier. A PostgreSQL 15 backend publishes its
 * counters when it goes idle at least a second after it last did (an idle backend: up to 10 s
 * later), so two readings 500 ms apart differ by nothing or by twice the rate; over 2 s the
 * swings mostly even out, and a 3 s outage still shows. A counter that went down (the statistics
 * were reset: Postgres crashed) gives no point across the reset.
 */
export const WRITES_WINDOW_MS = 2_000;

export function writesPerSecond(
  samples: readonly Sample<PerDatabase>[],
  t0: number,
  windowMs = WRITES_WINDOW_MS,
): Map<string, Point[]> {
  const list = readings(samples);
  const byService = new Map<string, Point[]>();
  let from = 0;
  for (let i = 1; i < list.length; i++) {
    const now = list[i];
    // The latest earlier reading a window back; 10 % slack for the sampling clock's jitter.
    while (from + 1 < i && list[from + 1].atMs <= now.atMs - windowMs * 0.9) from++;
    const before = list[from];
    const elapsedSec = (now.atMs - before.atMs) / 1000;
    if (elapsedSec < (windowMs * 0.9) / 1000) continue;
    const x = secondsFrom(now.atMs, t0);
    if (x < 0) continue;
    for (const [service, rows] of Object.entries(now.value)) {
      const earlier = before.value[service];
      if (earlier === undefined || rows < earlier) continue;
      const points = byService.get(service) ?? [];
      points.push([x, Math.round((rows - earlier) / elapsedSec)]);
      byService.set(service, points);
    }
  }
  return byService;
}

/**
 * Units taken from the sale's stock (its stock minus what remains) over time. Taken, not
 * remaining, because the y axis starts at 0: 1,000,000 units less 3,000 would be a flat line.
 * Goes down when units are given back (a declined payment, a cancelled order).
 */
export function stockTaken(
  samples: readonly Sample<number | null>[],
  stock: number,
  t0: number,
): Point[] {
  return fromLoadStart(
    readings(samples).flatMap(({ atMs, value }): Point[] =>
      value === null ? [] : [[secondsFrom(atMs, t0), stock - value]],
    ),
  );
}

// --- the charts ---------------------------------------------------------------------------

export interface RunChartsInput {
  /** Each chart's title starts with it (the run id). */
  readonly title: string;
  /** The load's start, epoch ms: x = 0. */
  readonly t0: number;
  /** The shop's answers (not the bare servers'). */
  readonly answers: readonly Answer[];
  readonly series: TimeSeries;
  /** The sale's stock when it was created. */
  readonly stock: number;
  readonly marks: readonly ChartMark[];
}

export const RUN_CHARTS = ['answers', 'latency', 'lag', 'writes', 'stock'] as const;
export type RunChartName = (typeof RUN_CHARTS)[number];

export interface RunChart {
  readonly name: RunChartName;
  /** `<name>.svg`, in the run's folder. */
  readonly file: string;
  /** What it shows, for the list of files a run prints. */
  readonly what: string;
  readonly svg: string;
}

const X_LABEL = "seconds from the load's start";

/** The chart, with the run's marks drawn to its highest value. */
function draw(
  input: RunChartsInput,
  name: RunChartName,
  what: string,
  yLabel: string,
  series: readonly ChartSeries[],
  dashed: readonly ChartSeries[] = [],
): RunChart {
  const svg = lineChartSvg({
    title: `${input.title}: ${what}`,
    xLabel: X_LABEL,
    yLabel,
    series: [...series, ...dashed, ...markLines(input.marks, input.t0, highest(series))],
  });
  return { name, file: `${name}.svg`, what, svg };
}

const named = (points: ReadonlyMap<string, Point[]>): ChartSeries[] =>
  [...points].map(([name, list]) => ({ name, points: list }));

export function runCharts(input: RunChartsInput): RunChart[] {
  const { answers, series, t0 } = input;
  const latency = latencyPerSecond(answers, t0);
  const redisReadings = readings(series.stockRedis);
  const neverInRedis = redisReadings.length > 0 && redisReadings.every((r) => r.value === null);
  return [
    draw(
      input,
      'answers',
      'purchases per second of sending, by answer',
      'purchases per second',
      [...answersPerSecond(answers, t0)].map(([outcome, points]) => ({
        // OUTCOME_LABELS' "202 accepted (201 sync)" does not fit the legend.
        name: outcome === 'accepted' ? '202/201 accepted' : OUTCOME_LABELS[outcome],
        points,
      })),
    ),
    draw(input, 'latency', 'latency by second of sending', 'latency (ms)', [
      { name: 'p50', points: latency.p50 },
      { name: 'p99', points: latency.p99 },
    ]),
    draw(
      input,
      'lag',
      'consumer lag',
      'lag (events)',
      named(lagPoints(series.positions, t0)),
      gapLines(gapsOf(series.positions), t0, 'Kafka'),
    ),
    draw(
      input,
      'writes',
      'rows written per second, by service database',
      `rows written per second (over ${WRITES_WINDOW_MS / 1000} s)`,
      named(writesPerSecond(series.rowsWritten, t0)),
      gapLines(gapsOf(series.rowsWritten), t0, 'PostgreSQL'),
    ),
    draw(
      input,
      'stock',
      'units taken from the stock, Redis vs PostgreSQL',
      'units taken (stock − remaining)',
      [
        {
          name: neverInRedis ? 'Redis: no key (a sync sale)' : 'Redis (admitted)',
          points: stockTaken(series.stockRedis, input.stock, t0),
        },
        {
          name: 'PostgreSQL (inventory)',
          points: stockTaken(series.stockPostgres, input.stock, t0),
        },
      ],
      [
        ...gapLines(gapsOf(series.stockRedis), t0, 'Redis'),
        ...gapLines(gapsOf(series.stockPostgres), t0, 'PostgreSQL'),
      ],
    ),
  ];
}
