/**
 * Nearest-rank percentile of an ascending array: the smallest value with ≥ p % at or below it. Shared by
 * the ceiling measurements here and the load harness (load-tests/bench/stats.ts).
 * Stays, not hdr-histogram-js: its buckets (N significant digits) are not the exact samples.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p === 0) return sorted[0];
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1];
}
