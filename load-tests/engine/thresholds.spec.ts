import type { Counted, StageFigures } from './figures';
import { OUTCOME_GROUPS, type OutcomeGroup } from './outcomes';
import { evaluateThresholds, thresholdName } from './thresholds';

const lat = (p99: number) => ({
  p50: p99 / 2,
  p90: p99 * 0.8,
  p95: p99 * 0.9,
  p99,
  max: p99 * 2,
  mean: p99 / 2,
});

function stage(
  name: string,
  counts: Partial<Record<'accepted' | 'soldOut' | 'overloaded' | 'transport', [number, number]>>,
  extra: Partial<StageFigures> = {},
): StageFigures {
  const outcomes: Record<string, Counted> = {};
  for (const [o, [count, p99]] of Object.entries(counts))
    outcomes[o] = { count, latency: lat(p99) };
  const groups = {} as Record<OutcomeGroup, Counted>;
  for (const g of Object.keys(OUTCOME_GROUPS) as OutcomeGroup[]) {
    const members = (OUTCOME_GROUPS[g] as readonly string[]).filter((o) => outcomes[o]);
    const count = members.reduce((n, o) => n + outcomes[o].count, 0);
    const worst = Math.max(0, ...members.map((o) => outcomes[o].latency?.p99 ?? 0));
    groups[g] = { count, latency: count ? lat(worst) : null };
  }
  return {
    series: 'shop',
    stage: name,
    kind: 'constant',
    intended: 0,
    sent: 0,
    sentShare: 1,
    plannedSec: 10,
    intendedRate: 0,
    sentRate: 0,
    sendSpanSec: 10,
    outcomes,
    groups,
    goodput: 0,
    missingRetryAfter: 0,
    timeouts: 0,
    details: {},
    ...extra,
  };
}

const burst = stage('burst', { accepted: [100, 900], soldOut: [1900, 1200] }, { kind: 'burst' });
const ramp = stage('ramp', { soldOut: [17_000, 40], overloaded: [3, 2] }, { missingRetryAfter: 1 });
const probe = stage('probe 800/s', { transport: [5, 10_000] }, { kind: 'search' });

describe('evaluateThresholds', () => {
  const run = (t: Parameters<typeof evaluateThresholds>[0], found = {}) =>
    evaluateThresholds(t, [burst, ramp, probe], { ambiguous: 0 }, found);

  it('adds counts up over the stages, leaving search steps out', () => {
    const [errors, five] = run([
      { metric: 'count', outcome: 'errors', max: 0 },
      { metric: 'count', outcome: '5xx', max: 0 },
    ]);
    expect(errors).toMatchObject({ ok: true, value: 0 });
    expect(five).toMatchObject({ ok: false, value: 3 });
  });

  it('judges one stage when it names one, and fails when that stage does not exist', () => {
    const [a, b] = run([
      { metric: 'count', outcome: 'accepted', stage: 'burst', min: 1 },
      { metric: 'count', stage: 'nope', max: 0 },
    ]);
    expect(a).toMatchObject({ ok: true, value: 100 });
    expect(b).toMatchObject({ ok: false, detail: 'no stage nope' });
  });

  it('holds a latency limit in each stage, and reports the worst', () => {
    const [p99] = run([{ metric: 'p99', outcome: 'soldOut', max: 100 }]);
    expect(p99).toMatchObject({ ok: false, value: 1200, detail: '1,200 ms (worst: burst)' });
    const [inRamp] = run([{ metric: 'p99', outcome: 'soldOut', stage: 'ramp', max: 100 }]);
    expect(inRamp).toMatchObject({ ok: true, value: 40 });
  });

  it('has nothing to judge without such answers', () => {
    const [r] = run([{ metric: 'p99', outcome: 'rateLimited', max: 1 }]);
    expect(r).toMatchObject({ ok: true, value: null, detail: 'no answers' });
  });

  it('shares, Retry-After, ambiguity', () => {
    const [share, retry, ambiguous] = run([
      { metric: 'share', outcome: 'accepted', min: 0.5 },
      { metric: 'missingRetryAfter', max: 0 },
      { metric: 'ambiguous', max: 0 },
    ]);
    expect(share.ok).toBe(false);
    expect(share.value).toBeCloseTo(100 / 19_003);
    expect(retry).toMatchObject({ ok: false, value: 1 });
    expect(ambiguous).toMatchObject({ ok: true, value: 0 });
  });

  it('takes bounds from what the searches found', () => {
    const withGoodput = evaluateThresholds(
      [{ metric: 'goodput', stage: '2x', min: (f) => 0.5 * f.capacity }],
      [stage('2x', { accepted: [4000, 20] })],
      { ambiguous: 0 },
      { capacity: 1000 },
    );
    expect(withGoodput[0]).toMatchObject({ ok: false, value: 400 });
    expect(withGoodput[0].name).toBe('goodput (202/s) ≥ 500 in 2x');
  });
});

describe('thresholdName', () => {
  it('reads like the limit', () => {
    expect(thresholdName({ metric: 'p99', outcome: 'soldOut', stage: 'ramp', max: 50 })).toBe(
      'p99(409 SOLD_OUT) ≤ 50 ms in ramp',
    );
    expect(thresholdName({ metric: 'count', outcome: 'errors', max: 0 })).toBe('count(errors) ≤ 0');
  });
});
