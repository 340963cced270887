/**
 * The two charts of a chaos run, as SVG files in its folder (infra/bench/svg-chart.ts draws
 * them): every consumer group's lag over the run, and the buyers' answers per second by outcome,
 * each with the fault's marks as dashed vertical lines. Seconds from the load's start. Pure.
 */
import { type ChartSeries, lineChartSvg } from '../engine/infra';
import { OUTCOME_LABELS, type Outcome } from '../engine/outcomes';
import type { Answer } from '../engine/results';
import type { Mark } from './experiment';
import type { LagSample } from './recovery';

const seconds = (ms: number, t0: number): number => Math.round((ms - t0) / 100) / 10;

/** A dashed vertical line per mark, as tall as the chart's highest value. */
function markLines(marks: readonly Mark[], t0: number, top: number): ChartSeries[] {
  return marks.map((m) => ({
    name: `${seconds(m.atMs, t0)} s ${m.what}`,
    points: [
      [seconds(m.atMs, t0), 0],
      [seconds(m.atMs, t0), top],
    ],
    dashed: true,
  }));
}

export function lagChart(
  samples: ReadonlyMap<string, readonly LagSample[]>,
  marks: readonly Mark[],
  t0: number,
  title: string,
): string {
  const series: ChartSeries[] = [...samples].map(([group, points]) => ({
    name: group,
    points: points.map((s) => [seconds(s.atMs, t0), s.lag] as const),
  }));
  const top = Math.max(1, ...series.flatMap((s) => s.points.map(([, y]) => y)));
  return lineChartSvg({
    title,
    xLabel: "seconds from the load's start",
    yLabel: 'lag (events)',
    series: [...series, ...markLines(marks, t0, top)],
  });
}

/** Answers per second of sending, by outcome: one series per outcome that occurred. */
export function answersPerSecond(
  answers: readonly Answer[],
  t0: number,
): Map<Outcome, Array<[number, number]>> {
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
  return new Map(
    [...counts].map(([outcome, row]) => [outcome, row.map((n, i): [number, number] => [i, n])]),
  );
}

export function answersChart(
  answers: readonly Answer[],
  marks: readonly Mark[],
  t0: number,
  title: string,
): string {
  const series: ChartSeries[] = [...answersPerSecond(answers, t0)].map(([outcome, points]) => ({
    name: OUTCOME_LABELS[outcome],
    points,
  }));
  const top = Math.max(1, ...series.flatMap((s) => s.points.map(([, y]) => y)));
  return lineChartSvg({
    title,
    xLabel: 'second of sending, from the load’s start',
    yLabel: 'purchases per second',
    series: [...series, ...markLines(marks, t0, top)],
  });
}
