/**
 * The few Prometheus text-format reads the control room needs from the services' /metrics:
 * samples by name and labels, summed over the labels a caller does not ask about. A line that
 * does not parse is skipped: a page must not go blank because one exporter wrote something new.
 */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const [, key, quoted] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key] = quoted.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include `where`. */
export function sumOf(
  samples: readonly PromSample[],
  name: string,
  where: Readonly<Record<string, string | RegExp>> = {},
): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const matches = Object.entries(where).every(([key, want]) => {
      const have = sample.labels[key];
      if (have === undefined) return false;
      return typeof want === 'string' ? have === want : want.test(have);
    });
    if (matches) total += sample.value;
  }
  return total;
}

/** Cumulative histogram buckets (`le` → count), summed over the other labels. */
export function bucketsOf(
  samples: readonly PromSample[],
  name: string,
  where: Readonly<Record<string, string | RegExp>> = {},
): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket`) continue;
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    if (Number.isNaN(le)) continue;
    const matches = Object.entries(where).every(([key, want]) => {
      const have = sample.labels[key];
      return have !== undefined && (typeof want === 'string' ? have === want : want.test(have));
    });
    if (matches) buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  return buckets;
}

/**
 * The q-quantile of the observations between two reads of a cumulative histogram, interpolated
 * linearly inside its bucket as Prometheus's `histogram_quantile` does; null when nothing was
 * observed. An answer in the +Inf bucket is reported as the highest finite bound.
 */
export function quantileBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  q: number,
): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => Math.max(0, (after.get(le) ?? 0) - (before.get(le) ?? 0)));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i] < rank) continue;
    const upper = bounds[i];
    const lower = i === 0 ? 0 : bounds[i - 1];
    if (upper === Infinity) return lower;
    const below = i === 0 ? 0 : counts[i - 1];
    const inBucket = counts[i] - below;
    return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return bounds.filter((b) => b !== Infinity).at(-1) ?? null;
}
