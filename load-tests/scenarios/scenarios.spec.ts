import { COMMON_OPTIONS, parseScenarioOptions } from '../engine/options';
import { type FixedStage, segmentsOf } from '../engine/stages';
import { SCENARIOS } from './index';

const byName = (name: string) => {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return { s, o: parseScenarioOptions({ ...COMMON_OPTIONS, ...s.options }, []) };
};

describe('the scenarios', () => {
  it('each has a name, a description, stages and thresholds with its defaults', () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual([
      'flash-sale',
      'sold-out-storm',
      'overload',
      'steady',
    ]);
    for (const s of SCENARIOS) {
      const o = parseScenarioOptions({ ...COMMON_OPTIONS, ...s.options }, []);
      expect(s.description.length).toBeGreaterThan(20);
      expect(s.stages(o).length).toBeGreaterThan(0);
      expect(s.thresholds(o).some((t) => t.metric === 'ambiguous')).toBe(true);
    }
  });

  it('flash-sale: a burst of 20 × stock distinct buyers, then a ramp 500 → 3000/s over 10 s', () => {
    const { s, o } = byName('flash-sale');
    const [b, r] = s.stages(o) as FixedStage[];
    expect(segmentsOf(b, {})[0].requests).toBe(2000);
    expect(s.initialUsers(o)).toBe(2000);
    const ramp = segmentsOf(r, {});
    expect(ramp.reduce((n, x) => n + x.requests, 0)).toBe(17_500);
  });

  it('overload: a capacity search, then its multiples; --capacity skips the search', () => {
    const { s, o } = byName('overload');
    expect(s.stages(o).map((x) => x.name)).toEqual([
      'capacity',
      '1× capacity',
      '2× capacity',
      '5× capacity',
      '10× capacity',
    ]);
    const given = { ...o, capacity: 300 };
    const stages = s.stages(given) as FixedStage[];
    expect(stages.map((x) => x.name)[0]).toBe('1× capacity');
    expect(segmentsOf(stages[3], {})[0].rate).toBe(3000);
  });

  it('sold-out-storm: the storm, then the same search against the gateway and bare Fastify', () => {
    const { s, o } = byName('sold-out-storm');
    expect(s.stages(o).map((x) => `${x.kind} ${x.name}`)).toEqual([
      'constant storm',
      'search gateway',
      'search fastify',
    ]);
    expect(s.ratios?.[0]).toMatchObject({ numerator: 'gateway', denominator: 'fastify' });
  });
});
