/**
 * Per-request outcomes and latencies of a load run, and the numbers a summary shows: counts per
 * outcome and nearest-rank percentiles of the latency of each outcome. Pure: no I/O, no clock.
 * Stays, not hdr-histogram-js (buckets of N significant digits: not exact nearest-rank);
 * formatTable stays, not cli-table3 (box borders; its borderless setup is longer than formatTable).
 */
import { percentileOfSorted } from '../engine/infra';

export { percentileOfSorted };

/** What one request ended as, from the client's point of view. */
export const OUTCOMES = [
  'accepted', // 202: an order was admitted
  'ok', // any other 2xx (the ceiling server, GETs)
  'soldOut', // 409 SOLD_OUT
  'limitReached', // LIMIT_REACHED: the user already bought the sale's per-user limit
  'rateLimited', // 429 RATE_LIMITED (token buckets)
  'otherClientError', // any other 4xx (its problem code is counted separately)
  'serverError', // 5xx
  'error', // no HTTP answer: connection error or timeout
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABELS: Record<Outcome, string> = {
  accepted: 'accepted (202)',
  ok: 'ok (2xx)',
  soldOut: 'sold out (409)',
  limitReached: 'limit reached',
  rateLimited: 'rate limited (429)',
  otherClientError: 'other 4xx',
  serverError: '5xx',
  error: 'errors',
};

/** Classifies an HTTP answer. `code` is the problem code of the body, when it has one. */
export function classify(status: number, code: string | null): Outcome {
  if (status === 202) return 'accepted';
  if (status >= 200 && status < 300) return 'ok';
  if (code === 'SOLD_OUT') return 'soldOut';
  if (code === 'LIMIT_REACHED') return 'limitReached';
  if (status === 429 || code === 'RATE_LIMITED') return 'rateLimited';
  if (status >= 500) return 'serverError';
  if (status >= 400) return 'otherClientError';
  // 1xx/3xx are not part of the contract: count them as "other" client-visible problems.
  return 'otherClientError';
}

/** A growable list of latency samples (milliseconds) with nearest-rank percentiles. */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;
  private sorted = true;

  get count(): number {
    return this.n;
  }

  add(ms: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    if (this.n > 0 && ms < this.data[this.n - 1]) this.sorted = false;
    this.data[this.n++] = ms;
  }

  addAll(other: Samples): void {
    const values = other.values();
    for (let i = 0; i < values.length; i++) this.add(values[i]);
  }

  /** The samples (a view; sorted after any percentile call). */
  values(): Float64Array {
    return this.data.subarray(0, this.n);
  }

  private ensureSorted(): Float64Array {
    const view = this.data.subarray(0, this.n);
    if (!this.sorted) {
      view.sort();
      this.sorted = true;
    }
    return view;
  }

  /** Nearest-rank percentile, p in [0, 100]; NaN when there are no samples. */
  percentile(p: number): number {
    return percentileOfSorted(this.ensureSorted(), p);
  }

  max(): number {
    return this.n === 0 ? Number.NaN : this.ensureSorted()[this.n - 1];
  }

  mean(): number {
    if (this.n === 0) return Number.NaN;
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += this.data[i];
    return sum / this.n;
  }
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(samples: Samples): LatencySummary {
  return {
    count: samples.count,
    p50: samples.percentile(50),
    p90: samples.percentile(90),
    p99: samples.percentile(99),
    max: samples.max(),
  };
}

/** Counts and latencies per outcome, plus the problem codes of the "other 4xx" answers. */
export class Recorder {
  readonly byOutcome = new Map<Outcome, Samples>();
  readonly all = new Samples();
  /** `<status> <code>` → count, for answers classified otherClientError or serverError. */
  readonly otherCodes = new Map<string, number>();
  /** Transport errors by message (timeouts, resets), which have no latency. */
  readonly errors = new Map<string, number>();

  constructor() {
    for (const o of OUTCOMES) this.byOutcome.set(o, new Samples());
  }

  record(outcome: Outcome, latencyMs: number, status?: number, code?: string | null): void {
    this.samples(outcome).add(latencyMs);
    this.all.add(latencyMs);
    if ((outcome === 'otherClientError' || outcome === 'serverError') && status !== undefined) {
      const key = `${status} ${code ?? '-'}`;
      this.otherCodes.set(key, (this.otherCodes.get(key) ?? 0) + 1);
    }
  }

  /** A request that got no HTTP answer: counted as `error`, without a latency. */
  recordError(reason: string, count = 1): void {
    if (count <= 0) return;
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + count);
  }

  samples(outcome: Outcome): Samples {
    const s = this.byOutcome.get(outcome);
    if (!s) throw new Error(`unknown outcome ${outcome}`);
    return s;
  }

  count(outcome: Outcome): number {
    if (outcome === 'error') return [...this.errors.values()].reduce((a, b) => a + b, 0);
    return this.samples(outcome).count;
  }

  /** Answers received (every outcome except `error`). */
  get answered(): number {
    return this.all.count;
  }

  get total(): number {
    return this.answered + this.count('error');
  }

  merge(other: Recorder): void {
    for (const o of OUTCOMES) this.samples(o).addAll(other.samples(o));
    this.all.addAll(other.all);
    for (const [k, v] of other.otherCodes)
      this.otherCodes.set(k, (this.otherCodes.get(k) ?? 0) + v);
    for (const [k, v] of other.errors) this.errors.set(k, (this.errors.get(k) ?? 0) + v);
  }
}

export function fmtMs(ms: number): string {
  if (Number.isNaN(ms)) return '-';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/** Left-aligned first column, right-aligned numbers; two spaces between columns. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * The summary table: one row per outcome that occurred (always accepted and errors), with its
 * count, share and p50/p90/p99/max latency; a total row; then the codes of other 4xx/5xx answers
 * and the transport errors.
 */
export function formatSummary(rec: Recorder, elapsedSec: number): string {
  const total = rec.total;
  const rows: string[][] = [];
  for (const o of OUTCOMES) {
    const n = rec.count(o);
    if (n === 0 && o !== 'accepted' && o !== 'error') continue;
    const share = total === 0 ? '-' : `${((100 * n) / total).toFixed(1)}%`;
    if (o === 'error') {
      rows.push([OUTCOME_LABELS[o], String(n), share, '-', '-', '-', '-']);
      continue;
    }
    const s = summarize(rec.samples(o));
    rows.push([
      OUTCOME_LABELS[o],
      String(n),
      share,
      fmtMs(s.p50),
      fmtMs(s.p90),
      fmtMs(s.p99),
      fmtMs(s.max),
    ]);
  }
  const all = summarize(rec.all);
  rows.push([
    'all answers',
    String(rec.answered),
    '',
    fmtMs(all.p50),
    fmtMs(all.p90),
    fmtMs(all.p99),
    fmtMs(all.max),
  ]);
  const lines = [
    formatTable(['outcome', 'count', 'share', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], rows),
  ];
  const rate = elapsedSec > 0 ? rec.answered / elapsedSec : 0;
  lines.push(
    `${rec.answered} answers in ${elapsedSec.toFixed(1)} s = ${rate.toFixed(0)} req/s (answered)`,
  );
  if (rec.otherCodes.size > 0) {
    const codes = [...rec.otherCodes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`);
    lines.push(`other 4xx/5xx by status and code: ${codes.join(', ')}`);
  }
  if (rec.errors.size > 0) {
    const errs = [...rec.errors].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`);
    lines.push(`transport errors: ${errs.join(', ')}`);
  }
  return lines.join('\n');
}
