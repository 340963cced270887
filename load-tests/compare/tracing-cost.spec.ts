import { type TracingRun, formatTracingCost, modeOrder, tracingDelta } from './tracing-cost';

const run = (tracing: 'off' | 'on', hotPathUs: number | null, p99Ms: number): TracingRun => ({
  tracing,
  hotPathUs,
  sagaUs: hotPathUs === null ? null : hotPathUs * 2,
  p50Ms: 5,
  p99Ms,
  answers: 4000,
  ok: true,
  dir: '/tmp/run',
});

describe('tracingDelta', () => {
  it('is what tracing adds per answer, on minus off, and as a share of off', () => {
    expect(tracingDelta(run('off', 400, 20), run('on', 500, 30))).toEqual({
      hotPathUs: 100,
      hotPathPercent: 25,
      sagaUs: 200,
    });
  });

  it('is null unless both runs measured the CPU', () => {
    expect(tracingDelta(run('off', 400, 20), undefined)).toBeNull();
    expect(tracingDelta(run('off', null, 20), run('on', 500, 30))).toBeNull();
  });
});

describe('formatTracingCost', () => {
  it('names the commit, prints both runs and the difference', () => {
    const lines = formatTracingCost({
      commit: 'abc123',
      rate: 200,
      duration: 20,
      runs: [run('off', 400, 20), run('on', 500, 30)],
    });
    expect(lines[0]).toBe('tracing cost, commit abc123: 200 req/s for 20 s, each way');
    expect(lines.at(-1)).toBe(
      "tracing on costs the hot path 100 µs of CPU per answer (+25 %), the saga 200 µs; the 202's p99 20.0 → 30.0 ms",
    );
  });
});

describe('modeOrder', () => {
  it('alternates off and on, round after round', () => {
    expect(modeOrder(2)).toEqual(['off', 'on', 'off', 'on']);
  });
});

describe('formatTracingCost over rounds', () => {
  it('takes the medians of each side', () => {
    const lines = formatTracingCost({
      commit: 'abc123',
      rate: 50,
      duration: 30,
      runs: [run('off', 400, 20), run('on', 900, 30), run('off', 500, 20), run('on', 600, 30)],
    });
    // Medians (lower middle of two): off 400, on 600.
    expect(lines.at(-1)).toMatch(/^medians: tracing on costs the hot path 200 µs/);
  });
});
