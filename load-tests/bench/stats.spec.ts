import {
  Recorder,
  Samples,
  classify,
  fmtMs,
  formatSummary,
  formatTable,
  percentileOfSorted,
  summarize,
} from './stats';

describe('percentileOfSorted (nearest rank)', () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('picks the smallest value with at least p % at or below it', () => {
    expect(percentileOfSorted(xs, 50)).toBe(5);
    expect(percentileOfSorted(xs, 90)).toBe(9);
    expect(percentileOfSorted(xs, 91)).toBe(10);
    expect(percentileOfSorted(xs, 99)).toBe(10);
    expect(percentileOfSorted(xs, 100)).toBe(10);
    expect(percentileOfSorted(xs, 0)).toBe(1);
    expect(percentileOfSorted(xs, 10)).toBe(1);
    expect(percentileOfSorted(xs, 11)).toBe(2);
  });

  it('handles one sample and no samples', () => {
    expect(percentileOfSorted([7], 1)).toBe(7);
    expect(percentileOfSorted([7], 99)).toBe(7);
    expect(percentileOfSorted([], 50)).toBeNaN();
  });

  it('rejects p outside [0, 100]', () => {
    expect(() => percentileOfSorted(xs, 101)).toThrow(RangeError);
    expect(() => percentileOfSorted(xs, -1)).toThrow(RangeError);
    expect(() => percentileOfSorted(xs, Number.NaN)).toThrow(RangeError);
  });
});

describe('Samples', () => {
  it('grows, sorts lazily and keeps percentiles exact', () => {
    const s = new Samples();
    for (let i = 5000; i >= 1; i--) s.add(i / 10); // 0.1 .. 500, added in descending order
    expect(s.count).toBe(5000);
    expect(s.percentile(50)).toBe(250);
    expect(s.percentile(99)).toBe(495);
    expect(s.max()).toBe(500);
    expect(s.mean()).toBeCloseTo(250.05, 6);
    s.add(0.01); // adding after a sort still works
    expect(s.percentile(0)).toBe(0.01);
    expect(s.count).toBe(5001);
  });

  it('is NaN when empty', () => {
    const s = new Samples();
    expect(s.percentile(50)).toBeNaN();
    expect(s.max()).toBeNaN();
    expect(s.mean()).toBeNaN();
    expect(summarize(s)).toEqual({ count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN });
  });

  it('sorts numerically, not as strings', () => {
    const s = new Samples();
    for (const v of [10, 9, 100, 1]) s.add(v);
    expect(s.percentile(25)).toBe(1);
    expect(s.percentile(75)).toBe(10);
    expect(s.max()).toBe(100);
  });
});

describe('classify', () => {
  it('maps status and code to an outcome', () => {
    expect(classify(202, null)).toBe('accepted');
    expect(classify(200, null)).toBe('ok');
    expect(classify(201, null)).toBe('ok');
    expect(classify(409, 'SOLD_OUT')).toBe('soldOut');
    expect(classify(409, 'LIMIT_REACHED')).toBe('limitReached');
    expect(classify(403, 'LIMIT_REACHED')).toBe('limitReached');
    expect(classify(429, 'RATE_LIMITED')).toBe('rateLimited');
    expect(classify(429, null)).toBe('rateLimited');
    expect(classify(403, 'SALE_NOT_OPEN')).toBe('otherClientError');
    expect(classify(401, 'UNAUTHORIZED')).toBe('otherClientError');
    expect(classify(409, null)).toBe('otherClientError');
    expect(classify(503, 'UPSTREAM_UNAVAILABLE')).toBe('serverError');
    expect(classify(500, null)).toBe('serverError');
    expect(classify(302, null)).toBe('otherClientError');
  });
});

describe('Recorder', () => {
  it('counts per outcome, keeps other codes and transport errors', () => {
    const r = new Recorder();
    r.record('accepted', 3);
    r.record('soldOut', 1);
    r.record('soldOut', 2);
    r.record('otherClientError', 4, 403, 'SALE_NOT_OPEN');
    r.record('serverError', 5, 503, null);
    r.recordError('ETIMEDOUT', 2);
    r.recordError('ECONNRESET');
    r.recordError('nothing', 0);
    expect(r.count('accepted')).toBe(1);
    expect(r.count('soldOut')).toBe(2);
    expect(r.count('error')).toBe(3);
    expect(r.answered).toBe(5);
    expect(r.total).toBe(8);
    expect([...r.otherCodes]).toEqual([
      ['403 SALE_NOT_OPEN', 1],
      ['503 -', 1],
    ]);
    expect(r.errors.has('nothing')).toBe(false);
    expect(r.all.percentile(100)).toBe(5);
  });

  it('merges another recorder', () => {
    const a = new Recorder();
    const b = new Recorder();
    a.record('accepted', 1);
    b.record('accepted', 3);
    b.record('otherClientError', 2, 400, 'VALIDATION_FAILED');
    a.record('otherClientError', 2, 400, 'VALIDATION_FAILED');
    b.recordError('ETIMEDOUT');
    a.merge(b);
    expect(a.count('accepted')).toBe(2);
    expect(a.samples('accepted').percentile(100)).toBe(3);
    expect(a.otherCodes.get('400 VALIDATION_FAILED')).toBe(2);
    expect(a.count('error')).toBe(1);
    expect(a.answered).toBe(4);
  });
});

describe('formatting', () => {
  it('formats milliseconds with sensible precision', () => {
    expect(fmtMs(Number.NaN)).toBe('-');
    expect(fmtMs(0.123)).toBe('0.12');
    expect(fmtMs(12.345)).toBe('12.3');
    expect(fmtMs(1234.5)).toBe('1235');
  });

  it('aligns a table: text left, numbers right', () => {
    expect(
      formatTable(
        ['a', 'n'],
        [
          ['xx', '1'],
          ['y', '100'],
        ],
      ).split('\n'),
    ).toEqual(['a     n', 'xx    1', 'y   100']);
  });

  it('summarises counts, shares and per-outcome latencies', () => {
    const r = new Recorder();
    for (let i = 1; i <= 100; i++) r.record('soldOut', i / 10);
    r.record('accepted', 20);
    r.record('otherClientError', 1, 403, 'SALE_NOT_OPEN');
    r.recordError('ETIMEDOUT');
    const text = formatSummary(r, 2);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^outcome\s+count\s+share\s+p50 ms\s+p90 ms\s+p99 ms\s+max ms$/);
    expect(text).toMatch(/accepted \(202\)\s+1\s+1\.0%\s+20\.0\s+20\.0\s+20\.0\s+20\.0/);
    expect(text).toMatch(/sold out \(409\)\s+100\s+97\.1%\s+5\.00\s+9\.00\s+9\.90\s+10\.0/);
    expect(text).toMatch(/errors\s+1\s+1\.0%\s+-\s+-\s+-\s+-/);
    expect(text).not.toMatch(/rate limited/);
    expect(text).toContain('102 answers in 2.0 s = 51 req/s (answered)');
    expect(text).toContain('other 4xx/5xx by status and code: 403 SALE_NOT_OPEN: 1');
    expect(text).toContain('transport errors: ETIMEDOUT: 1');
  });
});
