import { VERIFIER_CHECK } from '../engine/run';
import type { ThresholdResult } from '../engine/thresholds';
import steady from '../scenarios/steady';
import { engineChecks, engineOptions } from './runs';

const threshold = (name: string, ok: boolean): ThresholdResult => ({
  threshold: { metric: 'ambiguous', max: 0 },
  name,
  ok,
  value: 0,
  detail: ok ? 'fine' : 'too many',
});

describe('engineOptions', () => {
  it("is the scenario's defaults against the url, no ceiling, shorter waits", () => {
    const o = engineOptions(steady.options, 'http://127.0.0.1:3100');
    expect(o).toMatchObject({
      url: 'http://127.0.0.1:3100',
      noCeiling: true,
      settleTimeout: 60,
      idleTimeout: 30,
      rate: 100,
      flow: 'events',
      noVerify: false,
    });
  });
});

describe('engineChecks', () => {
  it('sums up the business checks and thresholds, and carries the verifier apart', () => {
    const checks = engineChecks({
      checks: [
        { name: 'no oversell', ok: true, detail: 'x' },
        { name: VERIFIER_CHECK, ok: true, detail: 'every rule holds for 3 orders' },
      ],
      thresholds: [threshold('ambiguous = 0', true)],
    });
    expect(checks).toEqual([
      {
        name: "the load engine's business checks and thresholds",
        ok: true,
        detail: '1 checks and 1 thresholds passed',
      },
      {
        name: `the verifier: ${VERIFIER_CHECK}`,
        ok: true,
        detail: 'every rule holds for 3 orders',
      },
    ]);
  });

  it('names every failure, and fails a run the verifier did not judge', () => {
    const [engine, verifier] = engineChecks({
      checks: [{ name: 'no oversell', ok: false, detail: '3 over' }],
      thresholds: [threshold('ambiguous = 0', false)],
    });
    expect(engine.ok).toBe(false);
    expect(engine.detail).toBe('failed: no oversell (3 over); ambiguous = 0 (too many)');
    expect(verifier).toEqual({ name: 'the verifier', ok: false, detail: 'it did not run' });
  });

  it('reports missed latency thresholds without failing on them, when asked', () => {
    const p99 = {
      ...threshold('p99 ≤ 50 ms', false),
      threshold: { metric: 'p99' as const, max: 50 },
    };
    const [engine] = engineChecks(
      {
        checks: [{ name: 'no oversell', ok: true, detail: 'x' }],
        thresholds: [p99, threshold('ambiguous = 0', true)],
      },
      'reported',
    );
    expect(engine).toEqual({
      name: "the load engine's business checks and honesty thresholds",
      ok: true,
      detail: '1 checks and 1 thresholds passed; not judged here, missed: p99 ≤ 50 ms (too many)',
    });
  });

  it('still fails a missed honesty threshold when latency is only reported', () => {
    const [engine] = engineChecks(
      { checks: [], thresholds: [threshold('ambiguous = 0', false)] },
      'reported',
    );
    expect(engine.ok).toBe(false);
    expect(engine.detail).toBe('failed: ambiguous = 0 (too many)');
  });

  it('reports 5xx answers a replay settled, but still judges that something was admitted', () => {
    const counted = (name: string, outcome: 'errors' | 'accepted', ok: boolean) => ({
      ...threshold(name, ok),
      threshold: { metric: 'count' as const, outcome, max: 0 },
    });
    const reported = engineChecks(
      { checks: [], thresholds: [counted('count(errors) ≤ 0', 'errors', false)] },
      'reported',
    );
    expect(reported[0].ok).toBe(true);
    expect(reported[0].detail).toContain('missed: count(errors) ≤ 0');
    const judged = engineChecks(
      { checks: [], thresholds: [counted('count(accepted) ≥ 1', 'accepted', false)] },
      'reported',
    );
    expect(judged[0].ok).toBe(false);
  });
});
