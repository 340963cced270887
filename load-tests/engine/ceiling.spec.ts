import { generatorVerdict } from './ceiling';
import type { StageFigures } from './figures';

const figures = (sentShare: number, errors = 0): StageFigures =>
  ({
    sent: Math.round(sentShare * 1000),
    intended: 1000,
    sentShare,
    groups: { errors: { count: errors, latency: null }, all: { count: 1000, latency: null } },
  }) as unknown as StageFigures;

describe('generatorVerdict', () => {
  it('counts when the generator kept up against both the shop and bare node:http', () => {
    expect(generatorVerdict(figures(1), figures(0.99))).toEqual({
      counts: true,
      why: 'below the ceiling',
    });
  });

  it('does not count when the generator fell behind against the shop', () => {
    expect(generatorVerdict(figures(0.9), figures(1))).toMatchObject({ counts: false });
  });

  it('does not count when even bare node:http could not be driven at this shape', () => {
    expect(generatorVerdict(figures(1), figures(0.8)).why).toMatch(/generator's ceiling/);
    expect(generatorVerdict(figures(1), figures(1, 3)).why).toMatch(/3 errors/);
  });

  it('says when it was not measured', () => {
    expect(generatorVerdict(figures(1), null)).toEqual({
      counts: true,
      why: 'not measured (--no-ceiling)',
    });
  });
});

describe('generatorVerdict for a burst', () => {
  it('counts, and says when the shop slowed the sending of the burst', () => {
    const burst = (span: number) =>
      ({
        kind: 'burst',
        sent: 2000,
        intended: 2000,
        sentShare: 1,
        sendSpanSec: span,
        groups: { errors: { count: 0, latency: null }, all: { count: 2000, latency: null } },
      }) as unknown as StageFigures;
    const v = generatorVerdict(burst(0.678), burst(0.213));
    expect(v.counts).toBe(true);
    expect(v.why).toMatch(/over 678 ms \(213 ms against bare node:http\)/);
    expect(generatorVerdict(burst(0.25), burst(0.213)).why).toBe('below the ceiling');
  });
});

describe('generatorVerdict and the bare server’s tail', () => {
  const rate = (p99: number) =>
    ({
      kind: 'constant',
      sent: 1000,
      intended: 1000,
      sentShare: 1,
      sendSpanSec: 1,
      groups: {
        errors: { count: 0, latency: null },
        all: { count: 1000, latency: { p50: 1, p90: 2, p95: 3, p99, max: p99, mean: 1 } },
      },
    }) as unknown as StageFigures;

  it('does not count a rate at which even bare node:http has a long tail', () => {
    expect(generatorVerdict(rate(500), rate(206))).toMatchObject({ counts: false });
    expect(generatorVerdict(rate(500), rate(206)).why).toMatch(/p99 206 ms/);
    expect(generatorVerdict(rate(30), rate(4))).toEqual({ counts: true, why: 'below the ceiling' });
  });
});
