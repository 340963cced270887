import {
  DOC_BEGIN,
  DOC_END,
  type BenchReport,
  type HttpFigure,
  acceptedTarget,
  disturbanceNote,
  evaluateTargets,
  findKnee,
  formatMarkdown,
  formatReport,
  hotPathShare,
  ratioTarget,
  replaceSection,
  zeroCounts,
} from './report';
import type { Outcome } from './stats';

function fig(
  name: string,
  connections: number,
  rps: number,
  p99Ms: number,
  expected: Outcome = 'accepted',
  share = 1,
): HttpFigure {
  return {
    name,
    connections,
    durationSec: 10,
    rps,
    p50Ms: p99Ms / 4,
    p99Ms,
    counts: { ...zeroCounts(), [expected]: Math.round(rps * 10) },
    expected,
    expectedShare: share,
    cpu: 'gateway 99%',
    cpuUsPerRequest: 1e6 / rps,
    disturbance: null,
  };
}

const steps = [
  fig('c=1', 1, 500, 3),
  fig('c=4', 4, 1800, 6),
  fig('c=16', 16, 2500, 20),
  fig('c=64', 64, 2600, 80),
];

describe('findKnee', () => {
  it('finds saturation, the knee and the best step within the latency bound', () => {
    expect(findKnee(steps)).toEqual({ maxRps: 2600, kneeIndex: 2, operatingIndex: 2 });
    expect(findKnee(steps, 5)).toEqual({ maxRps: 2600, kneeIndex: 2, operatingIndex: 0 });
    expect(findKnee(steps, 1)).toEqual({ maxRps: 2600, kneeIndex: 2, operatingIndex: null });
    expect(findKnee([])).toEqual({ maxRps: 0, kneeIndex: -1, operatingIndex: null });
  });
});

describe('targets', () => {
  it('judges a ratio to the ceiling, with the gap when missed', () => {
    expect(ratioTarget('sold out', fig('s', 64, 9000, 9, 'soldOut'), 10000, 0.8)).toEqual({
      name: 'sold out',
      target: '≥ 80.0 % of the HTTP ceiling',
      measured: '9000 req/s = 90.0 %',
      met: true,
      gap: '',
    });
    const missed = ratioTarget('sold out', fig('s', 64, 6000, 9, 'soldOut'), 10000, 0.8);
    expect(missed.met).toBe(false);
    expect(missed.gap).toBe('-20.0 points, 2000 req/s short');
  });

  it('does not count a run that measured another outcome', () => {
    const r = ratioTarget('rate limited', fig('r', 64, 9000, 9, 'rateLimited', 0.5), 10000, 0.8);
    expect(r.met).toBe(false);
    expect(r.measured).toContain('not a valid measurement');
  });

  it('judges the accepted path at its operating point', () => {
    expect(acceptedTarget(steps, 5000)).toMatchObject({
      met: true,
      measured: '2500 req/s = 50.0 %, p99 20.0 ms at c=16',
    });
    const missed = acceptedTarget(steps, 10000);
    expect(missed.met).toBe(false);
    expect(missed.gap).toBe('-25.0 points, 2500 req/s short');
    const slow = acceptedTarget([fig('c=1', 1, 500, 30), fig('c=2', 2, 600, 40)], 1000);
    expect(slow).toMatchObject({ met: false, gap: 'no operating point meets the latency bound' });
    expect(slow.measured).toContain('lowest p99 30.0 ms at c=1');
  });
});

const report: BenchReport = {
  date: '2026-11-25T13:00:00.000Z',
  commit: 'abc1234',
  command: 'npm run bench -- hot-path',
  machine: {
    cpus: 2,
    cpuModel: 'Xeon',
    memGiB: 23.5,
    os: 'Debian 12',
    node: 'v20',
    redis: '7.0',
    postgres: '15',
  },
  ceiling: fig('HTTP ceiling', 64, 10000, 4, 'ok'),
  framework: fig('framework floor', 64, 7000, 5, 'ok'),
  soldOut: fig('sold out', 64, 8500, 9, 'soldOut'),
  rateLimited: fig('rate limited', 64, 4000, 30, 'rateLimited'),
  accepted: steps,
  redis: [
    {
      name: 'redis: admission',
      rps: 30000,
      p50Ms: 1,
      p99Ms: 5,
      requests: 50000,
      clients: 50,
      command: 'redis-benchmark …',
    },
  ],
  postgres: {
    tps: 2000,
    p50Ms: 2,
    p99Ms: 15,
    transactions: 20000,
    clients: 8,
    durationSec: 10,
    command: 'pgbench …',
    serverVersion: '15',
  },
  gatewayEnv: { RATE_LIMIT_GLOBAL_RATE: '1000000' },
  profile: 'gateway: 1.0 s busy',
  notes: ['a note'],
};

describe('evaluateTargets and the reports', () => {
  it('evaluates the three targets', () => {
    expect(evaluateTargets(report).map((t) => [t.name, t.met])).toEqual([
      ['rejected: sold out (409)', true],
      ['rejected: rate limited (429)', false],
      ['accepted path (202)', false],
    ]);
    expect(evaluateTargets({ ...report, ceiling: null })).toEqual([]);
  });

  it('prints the console report', () => {
    const text = formatReport(report);
    expect(text).toContain('hot-path benchmark, 2026-11-25T13:00:00.000Z, commit abc1234');
    expect(text).toMatch(
      /sold out\s+64\s+8500\s+2\.25\s+9\.00\s+85\.0 %\s+100\.0 % soldOut\s+118\s+gateway 99%/,
    );
    expect(text).toContain('c=16 (knee, operating point)');
    expect(text).toMatch(/framework floor\s+64\s+7000\s+1\.25\s+5\.00\s+70\.0 %/);
    expect(text).toContain('saturation: 2600 req/s (26.0 % of the ceiling)');
    expect(text).toMatch(/MET {4}rejected: sold out/);
    expect(text).toMatch(/MISSED rejected: rate limited \(429\).*-40\.0 points, 4000 req\/s short/);
    expect(text).toContain('postgres: conditional decrement + reservation (pgbench)');
    expect(text).toMatch(
      /redis: admission\s+50\s+30000\s+1\.00\s+5\.00\s+accepted saturation 2600 req\/s = 8\.7 %/,
    );
    expect(text).toContain('note: a note');
  });

  it('prints the markdown section', () => {
    const md = formatMarkdown(report);
    expect(md).toContain(
      'Run of 2026-11-25T13:00:00.000Z on commit `abc1234`: `npm run bench -- hot-path`',
    );
    expect(md).toContain(
      '| run | conns | req/s | p50 ms | p99 ms | of ceiling | answers | CPU µs/req | CPU (% of one core) |',
    );
    expect(md).toContain('| c=16 (**knee, operating point**) | 16 | 2500 |');
    expect(md).toContain(
      '| rejected: rate limited (429) | ≥ 80.0 % of the HTTP ceiling | 4000 req/s = 40.0 % | **missed**',
    );
    expect(md).toContain('```\nredis-benchmark …\npgbench …\n```');
    expect(md.endsWith('```\n')).toBe(true);
  });
});

describe('disturbed runs', () => {
  it('marks them and says by what', () => {
    const disturbed = {
      ...report,
      accepted: [...steps.slice(0, 3), { ...steps[3], disturbance: 'other 80%' }],
    };
    expect(disturbanceNote(report)).toBeNull();
    expect(disturbanceNote(disturbed)).toBe(
      '† disturbed: processes outside the bench used the CPU during the run (c=64: other 80%); treat these figures as lower bounds',
    );
    expect(formatReport(disturbed)).toContain('c=64 †');
    expect(formatMarkdown(disturbed)).toContain('- † disturbed:');
  });
});

describe('hotPathShare', () => {
  const x = { rps: 40000, p50Ms: 1, p99Ms: 2, requests: 1, clients: 50, command: '' };
  it('compares the path that runs a script with that script alone', () => {
    expect(hotPathShare(report, { ...x, name: 'redis: token buckets' })).toBe(
      'rate limited 4000 req/s = 10.0 %',
    );
    expect(hotPathShare(report, { ...x, name: 'redis: admission' })).toBe(
      'accepted saturation 2600 req/s = 6.5 %',
    );
    expect(
      hotPathShare({ ...report, rateLimited: null }, { ...x, name: 'redis: token buckets' }),
    ).toBe('-');
    expect(hotPathShare(report, { ...x, name: 'redis: other' })).toBe('-');
  });
});

describe('replaceSection', () => {
  it('appends the generated section once, then replaces it in place', () => {
    const first = replaceSection('# Benchmarks\n\nintro\n', 'figures 1');
    expect(first).toBe(`# Benchmarks\n\nintro\n\n${DOC_BEGIN}\n\nfigures 1\n\n${DOC_END}\n`);
    const second = replaceSection(`${first}\n## after\n`, 'figures 2\n');
    expect(second).toBe(
      `# Benchmarks\n\nintro\n\n${DOC_BEGIN}\n\nfigures 2\n\n${DOC_END}\n\n## after\n`,
    );
  });
});
