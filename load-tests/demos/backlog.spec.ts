import { backlogOf, lastValue, lowestAt, secondsBetween, valueAt } from './backlog';

const s = (atMs: number, lag: number, read: number) => ({ atMs, lag, read });

describe('backlogOf', () => {
  it('finds the peak, the first 0 after it and the drain rate', () => {
    const b = backlogOf([s(0, 0, 0), s(500, 800, 200), s(1_000, 1_200, 300), s(3_000, 0, 1_500)]);
    expect(b).toEqual({ peakLag: 1_200, peakAtMs: 1_000, drainedAtMs: 3_000, drainPerSec: 600 });
  });

  it('says never drained, and never lagged', () => {
    expect(backlogOf([s(0, 10, 0), s(500, 20, 1)]).drainedAtMs).toBeNull();
    expect(backlogOf([s(0, 0, 0), s(500, 0, 0)])).toEqual({
      peakLag: 0,
      peakAtMs: null,
      drainedAtMs: null,
      drainPerSec: null,
    });
  });
});

describe('lowestAt and lastValue', () => {
  const r = (atMs: number, value: number | null) => ({ atMs, value });

  it('finds the first reading at the lowest value, nulls left out', () => {
    expect(lowestAt([r(0, null), r(1, 100), r(2, 0), r(3, 0), r(4, 5)])).toEqual({
      atMs: 2,
      value: 0,
    });
    expect(lowestAt([r(0, null)])).toBeNull();
    expect(lowestAt([])).toBeNull();
  });

  it('reads the last value', () => {
    expect(lastValue([r(0, 3), r(1, 5)])).toBe(5);
    expect(lastValue([])).toBeNull();
  });
});

describe('valueAt', () => {
  it('is the last reading at or before the moment', () => {
    const readings = [
      { atMs: 0, value: 10 },
      { atMs: 10, value: 7 },
    ];
    expect(valueAt(readings, 5)).toBe(10);
    expect(valueAt(readings, 10)).toBe(7);
    expect(valueAt(readings, -1)).toBeUndefined();
  });
});

describe('secondsBetween', () => {
  it('prints tenths, or - without both ends', () => {
    expect(secondsBetween(1_000, 13_560)).toBe('12.6 s');
    expect(secondsBetween(null, 5)).toBe('-');
  });
});
