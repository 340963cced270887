/**
 * A spike turned into a backlog, from the engine's samples (every 500 ms): each consumer
 * group's lag peak, when it was back to 0 and how fast it drained, and when each stock store
 * reached its low (Redis first, PostgreSQL behind). Pure.
 */
import type { GroupSample } from '../engine/timeseries';

export interface Backlog {
  readonly peakLag: number;
  /** Epoch ms of the peak; null when the group never lagged. */
  readonly peakAtMs: number | null;
  /** The first sample at lag 0 after the peak; null if it never got there. */
  readonly drainedAtMs: number | null;
  /** Events handled per second from the peak until drained (the drain rate); null without both. */
  readonly drainPerSec: number | null;
}

export function backlogOf(samples: readonly GroupSample[]): Backlog {
  let peak: GroupSample | null = null;
  for (const s of samples) if (s.lag > 0 && (peak === null || s.lag > peak.lag)) peak = s;
  if (peak === null) return { peakLag: 0, peakAtMs: null, drainedAtMs: null, drainPerSec: null };
  const at = peak.atMs;
  const drained = samples.find((s) => s.atMs > at && s.lag === 0) ?? null;
  const seconds = drained === null ? 0 : (drained.atMs - at) / 1000;
  return {
    peakLag: peak.lag,
    peakAtMs: at,
    drainedAtMs: drained?.atMs ?? null,
    // What the group handled (its committed positions moved) over the drain, per second.
    drainPerSec: drained === null || seconds <= 0 ? null : (drained.read - peak.read) / seconds,
  };
}

type Reading = { readonly atMs: number; readonly value: number | null };

/**
 * The first reading at a series' lowest value (nulls left out: inventory has no row for the sale
 * until sale.published is handled); null for a series without a value. Redis's stock reaches its
 * low when admission is done, PostgreSQL's when inventory has reserved the last admitted order.
 */
export function lowestAt(readings: readonly Reading[]): { atMs: number; value: number } | null {
  let low: { atMs: number; value: number } | null = null;
  for (const r of readings)
    if (r.value !== null && (low === null || r.value < low.value))
      low = { atMs: r.atMs, value: r.value };
  return low;
}

/** The last value of a series, or null. */
export function lastValue(readings: readonly Reading[]): number | null {
  return readings.length === 0 ? null : readings[readings.length - 1].value;
}

/** The last reading at or before `atMs`, or undefined. */
export function valueAt<T>(
  readings: ReadonlyArray<{ readonly atMs: number; readonly value: T }>,
  atMs: number,
): T | undefined {
  let found: T | undefined;
  for (const r of readings) {
    if (r.atMs > atMs) break;
    found = r.value;
  }
  return found;
}

/** Seconds between two epoch ms, "12.5 s", or "-" when either is unknown. */
export function secondsBetween(fromMs: number | null, toMs: number | null): string {
  return fromMs === null || toMs === null ? '-' : `${((toMs - fromMs) / 1000).toFixed(1)} s`;
}
