import { replayPlan, summarizeReplays } from './ambiguity';
import type { StageCpu } from './cpu';
import type { Counted, StageFigures } from './figures';
import { describeStage, report, sheddingTable, stageTable } from './summary';
import { burst, ramp, segmentsOf } from './stages';

const none: Counted = { count: 0, latency: null };
const lat = { p50: 1, p90: 2, p95: 3, p99: 4, max: 5, mean: 1 };

function figures(over: Partial<StageFigures>): StageFigures {
  return {
    series: 'shop',
    stage: 's',
    kind: 'constant',
    intended: 1000,
    sent: 1000,
    sentShare: 1,
    plannedSec: 10,
    intendedRate: 100,
    sentRate: 100,
    sendSpanSec: 10,
    outcomes: { accepted: { count: 990, latency: lat }, rateLimited: { count: 10, latency: lat } },
    groups: {
      all: { count: 1000, latency: lat },
      '5xx': none,
      shed: { count: 10, latency: lat },
      errors: none,
    },
    goodput: 99,
    missingRetryAfter: 2,
    timeouts: 0,
    details: {},
    ...over,
  };
}

describe('the printed report', () => {
  it('describes stages as planned', () => {
    const b = burst('burst', 2000);
    expect(describeStage(b, segmentsOf(b, {}), {})).toBe('burst: 2,000 requests at once');
    const r = ramp('ramp', 500, 3000, 2);
    expect(describeStage(r, segmentsOf(r, {}), {})).toBe(
      'ramp: ramp 500 → 3,000 req/s over 2 s, as 2 steps of 1,125, 2,375 req/s (3,500 requests)',
    );
  });

  it('shows only the outcome columns that occurred', () => {
    const table = stageTable([figures({})]);
    expect(table.split('\n')[0]).toMatch(
      /^stage\s+asked\s+sent\s+sent\/s\s+202\s+429\s+202\/s\s+p50\s+p99$/,
    );
    expect(table).not.toContain('409');
  });

  it('overload: goodput and the excess, with Retry-After', () => {
    const table = sheddingTable([figures({ stage: '10× capacity' })]);
    expect(table.split('\n')[1]).toMatch(/^10× capacity\s+100\s+99\s+10\s+4\.00\s+0\s+2 of 10$/);
  });

  it('shows the CPU per answered request after the latency by outcome, for every measured stage', () => {
    const cpu = (hotPath: number): StageCpu => ({
      wallSec: 10,
      answers: 1000,
      shares: [{ label: 'gateway', percent: 40 }],
      machineBusyPercent: 55,
      usPerRequest: { hotPath, saga: 80, generator: 300, bareServer: 0, byLabel: {} },
    });
    const step = { rate: 1600, verdict: 'held' as const, reason: 'p99 4.0 ms' };
    const lines = report({
      figures: [figures({ stage: 'storm', cpu: cpu(150) })],
      searches: [
        {
          stage: 'gateway',
          target: 'shop',
          saveAs: 'gateway',
          p99Ms: 50,
          steps: [{ ...step, figures: figures({ stage: 'gateway 1600/s', cpu: cpu(140) }) }],
          result: { held: 1600, failedAt: null, generatorBoundAt: null, text: '1,600 req/s' },
        },
      ],
      ratios: [],
      ceiling: [
        {
          stage: 'storm',
          shop: null,
          ceiling: figures({ series: 'node:http', stage: 'storm', cpu: cpu(3) }),
          counts: true,
          why: 'below the ceiling',
        },
      ],
      ambiguity: summarizeReplays(
        replayPlan([], { max: 0, refusalSample: 0, random: () => 0 }),
        [],
      ),
      checks: [],
      thresholds: [],
      trend: null,
      noCeiling: false,
    });
    const at = (text: string): number => lines.findIndex((l) => l.startsWith(text));
    expect(at('CPU per answered request')).toBeGreaterThan(at('latency by outcome'));
    expect(at('CPU per answered request')).toBeLessThan(at('search gateway'));
    const table = lines[at('CPU per answered request') + 1].split('\n');
    expect(table.map((row) => row.split(/\s{2,}/).slice(0, 3))).toEqual([
      ['stage', 'answers', 'hot path'],
      ['storm', '1,000', '150'],
      ['gateway 1600/s', '1,000', '140'],
      ['node:http: storm', '1,000', '3'],
    ]);
  });
});
