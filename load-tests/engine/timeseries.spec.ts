import {
  type Probes,
  type Sample,
  gapsOf,
  positionsByGroup,
  readings,
  startSampler,
} from './timeseries';

const FAST = { everyMs: 5, timeoutMs: 50 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function probes(overrides: Partial<Probes> = {}): Probes & { closed: number } {
  const p = {
    closed: 0,
    positions: async () => ({ 'inventory-service': { lag: 1, read: 10 } }),
    rowsWritten: async () => ({ 'inventory-service': 100 }),
    stockRedis: async () => 90,
    stockPostgres: async () => 95,
    close: async () => {
      p.closed += 1;
    },
    ...overrides,
  };
  return p;
}

describe('startSampler', () => {
  it('reads every store on its own clock until stopped, then closes the probes once', async () => {
    const p = probes();
    const sampler = startSampler(p, FAST);
    await sleep(40);
    const series = await sampler.stop();
    expect(await sampler.stop()).toBe(series);
    expect(p.closed).toBe(1);
    expect(series.everyMs).toBe(5);
    for (const samples of [
      series.positions,
      series.rowsWritten,
      series.stockRedis,
      series.stockPostgres,
    ])
      expect(readings(samples as readonly Sample<unknown>[]).length).toBeGreaterThan(1);
    expect(series.stockRedis[0]).toEqual({ atMs: expect.any(Number), value: 90 });
  });

  it('records a failed read as a gap with its error and keeps reading', async () => {
    let calls = 0;
    const sampler = startSampler(
      probes({
        stockRedis: async () => {
          calls += 1;
          if (calls === 2) throw new Error('Connection is closed.');
          return 90;
        },
      }),
      FAST,
    );
    await sleep(40);
    const { stockRedis, stockPostgres } = await sampler.stop();
    expect(stockRedis[1]).toEqual({ atMs: expect.any(Number), error: 'Connection is closed.' });
    expect(stockRedis.slice(2).every((s) => 'value' in s)).toBe(true);
    // The other stores' series are not touched by Redis's failure.
    expect(stockPostgres.every((s) => 'value' in s)).toBe(true);
  });

  it('gives up on a read that never answers, as a gap, so stopping does not hang', async () => {
    const sampler = startSampler(probes({ positions: () => new Promise(() => undefined) }), FAST);
    await sleep(20);
    const started = Date.now();
    const { positions } = await sampler.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(positions[0]).toEqual({ atMs: expect.any(Number), error: 'no answer within 50 ms' });
  });
});

describe('gapsOf', () => {
  it('spans each run of failures, from the first to the next read that answered', () => {
    const samples: Sample<number>[] = [
      { atMs: 0, value: 1 },
      { atMs: 500, error: 'ECONNREFUSED' },
      { atMs: 1000, error: 'timeout' },
      { atMs: 1500, value: 2 },
      { atMs: 2000, error: 'ECONNREFUSED' },
    ];
    expect(gapsOf(samples)).toEqual([
      { fromMs: 500, toMs: 1500, error: 'ECONNREFUSED' },
      { fromMs: 2000, toMs: 2000, error: 'ECONNREFUSED' },
    ]);
    expect(gapsOf([{ atMs: 0, value: 1 }])).toEqual([]);
  });
});

describe('positionsByGroup', () => {
  it('gives each group its own samples, gaps and groups missing from a read left out', () => {
    const byGroup = positionsByGroup(
      [
        { atMs: 0, value: { a: { lag: 3, read: 10 }, b: { lag: 0, read: 5 } } },
        { atMs: 500, error: 'no leader' },
        { atMs: 1000, value: { a: { lag: 1, read: 12 } } },
      ],
      ['a', 'b', 'c'],
    );
    expect(Object.fromEntries(byGroup)).toEqual({
      a: [
        { atMs: 0, lag: 3, read: 10 },
        { atMs: 1000, lag: 1, read: 12 },
      ],
      b: [{ atMs: 0, lag: 0, read: 5 }],
      c: [],
    });
  });
});
