import {
  attackFlags,
  burst,
  constant,
  ramp,
  search,
  segmentsOf,
  steps,
  targetCount,
  usersFor,
} from './stages';

describe('segmentsOf', () => {
  it('a burst is one segment of N requests at once', () => {
    expect(segmentsOf(burst('b', 2000), {})).toEqual([
      expect.objectContaining({ mode: 'burst', requests: 2000, durationSec: 0, offsetSec: 0 }),
    ]);
  });

  it('a constant rate is one segment of rate × duration', () => {
    const [s] = segmentsOf(constant('c', 100, 30), {});
    expect(s).toMatchObject({ mode: 'rate', requests: 3000, rate: 100, durationSec: 30 });
  });

  it('a ramp is a staircase of 1 s steps at the middle of each second', () => {
    const segs = segmentsOf(ramp('r', 500, 3000, 10), {});
    expect(segs).toHaveLength(10);
    expect(segs.map((s) => s.rate)).toEqual([
      625, 875, 1125, 1375, 1625, 1875, 2125, 2375, 2625, 2875,
    ]);
    expect(segs.map((s) => s.offsetSec)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // the staircase sends what the straight ramp would: (500 + 3000) / 2 × 10
    expect(segs.reduce((n, s) => n + s.requests, 0)).toBe(17_500);
  });

  it('steps follow one another; amounts may come from what a search found', () => {
    const segs = segmentsOf(steps('s', [(f) => f.capacity, (f) => 2 * f.capacity], 5), {
      capacity: 300,
    });
    expect(segs.map((s) => [s.rate, s.offsetSec, s.requests])).toEqual([
      [300, 0, 1500],
      [600, 5, 3000],
    ]);
  });

  it('refuses a rate or duration that is not positive', () => {
    expect(() => segmentsOf(constant('c', 0, 5), {})).toThrow(/positive/);
    expect(() =>
      segmentsOf(
        constant('c', (f) => f.missing, 5),
        {},
      ),
    ).toThrow(/not a number/);
  });
});

describe('vegeta flags and targets', () => {
  it('a burst: N workers, each takes one of exactly N targets (-lazy), then the attack ends', () => {
    const [s] = segmentsOf(burst('b', 500), {});
    expect(attackFlags(s)).toEqual(['-lazy', '-rate=0', '-workers=500', '-max-workers=500']);
    expect(targetCount(s)).toBe(500);
  });

  it('a rate segment: paced over its duration, no worker cap (open model), a target margin', () => {
    const [s] = segmentsOf(constant('c', 1000, 2), {});
    expect(attackFlags(s)).toEqual(['-rate=2000/2000ms', '-duration=2000ms', '-workers=50']);
    expect(targetCount(s)).toBe(2020);
    expect(attackFlags(s).some((f) => f.startsWith('-max-workers'))).toBe(false);
  });
});

describe('usersFor', () => {
  it('a burst: one user per request; others: the initial users; or per unit of rate', () => {
    const b = burst('b', 2000);
    expect(usersFor(b, segmentsOf(b, {}), 100, 50_000)).toBe(2000);
    const c = constant('c', 400, 5);
    expect(usersFor(c, segmentsOf(c, {}), 100, 50_000)).toBe(100);
    const p = constant('p', 400, 5, { perRate: 1.5 });
    expect(usersFor(p, segmentsOf(p, {}), 100, 50_000)).toBe(600);
    expect(usersFor(p, segmentsOf(p, {}), 100, 500)).toBe(500);
    const s = search('s', {
      target: 'shop',
      expect: ['accepted'],
      p99Ms: 100,
      startRate: 100,
      maxRate: 1000,
      stepSec: 3,
      saveAs: 'x',
      users: 7,
    });
    expect(usersFor(s, segmentsOf(c, {}), 100, 50_000)).toBe(7);
  });
});
