import {
  type SearchPolicy,
  type SearchStep,
  judgeStep,
  nextSearchRate,
  searchResult,
} from './step-search';

const policy: SearchPolicy = {
  startRate: 100,
  maxRate: 10_000,
  factor: 2,
  precision: 1.15,
  maxSteps: 12,
};

/** Runs the search against a target that holds up to `limit` req/s (and a generator cap). */
function simulate(limit: number, generatorCap = Infinity, p: SearchPolicy = policy): SearchStep[] {
  const history: SearchStep[] = [];
  for (let rate = nextSearchRate(p, history); rate !== null; rate = nextSearchRate(p, history))
    history.push({
      rate,
      verdict: rate > generatorCap ? 'generator-bound' : rate <= limit ? 'held' : 'failed',
      reason: '',
    });
  return history;
}

describe('step search', () => {
  it('doubles while steps hold, then narrows down between the best held and the first failed', () => {
    const h = simulate(1000);
    expect(h.map((s) => s.rate)).toEqual([100, 200, 400, 800, 1600, 1131, 951, 1037]);
    const r = searchResult(h);
    expect(r.held).toBe(951);
    expect(r.failedAt).toBe(1037);
    expect(r.failedAt! / r.held!).toBeLessThanOrEqual(1.15);
  });

  it('steps down when the first step already fails', () => {
    const h = simulate(30);
    expect(h.map((s) => s.rate)).toEqual([100, 50, 25, 35, 30, 32]);
    expect(searchResult(h).held).toBe(30);
  });

  it('stops at the maximum rate when everything holds', () => {
    const h = simulate(1e9, Infinity, { ...policy, maxRate: 500 });
    expect(h.map((s) => s.rate)).toEqual([100, 200, 400, 500]);
    expect(searchResult(h).text).toBe('500 req/s (the highest rate tried)');
  });

  it('stops where the generator cannot keep up: the result is only a lower bound', () => {
    const h = simulate(1e9, 1000);
    expect(h.map((s) => s.verdict)).toEqual(['held', 'held', 'held', 'held', 'generator-bound']);
    const r = searchResult(h);
    expect(r.held).toBe(800);
    expect(r.generatorBoundAt).toBe(1600);
    expect(r.text).toMatch(/^≥ 800 req\/s: the generator could not send 1,600/);
  });

  it('gives up after maxSteps', () => {
    expect(simulate(1000, Infinity, { ...policy, maxSteps: 3 })).toHaveLength(3);
  });

  it('says so when nothing held', () => {
    expect(searchResult(simulate(0, Infinity, { ...policy, maxSteps: 2 })).held).toBeNull();
  });
});

describe('judgeStep', () => {
  const ok = { intended: 300, sent: 300, unexpected: new Map<string, number>(), p99Ms: 12 };

  it('holds with every answer expected and p99 within the limit', () => {
    expect(judgeStep(ok, 50).verdict).toBe('held');
  });

  it('fails on an unexpected answer, or on p99', () => {
    expect(judgeStep({ ...ok, unexpected: new Map([['503 OVERLOADED', 2]]) }, 50)).toEqual({
      verdict: 'failed',
      reason: '503 OVERLOADED ×2',
    });
    expect(judgeStep({ ...ok, p99Ms: 80 }, 50)).toEqual({
      verdict: 'failed',
      reason: 'p99 80.0 ms > 50 ms',
    });
  });

  it('does not judge the target when the generator sent under 95 % of the arrivals', () => {
    expect(judgeStep({ ...ok, sent: 280, p99Ms: 500 }, 50).verdict).toBe('generator-bound');
  });
});
