import {
  answersPerSecond,
  gapLines,
  lagPoints,
  latencyPerSecond,
  legendOf,
  markLines,
  runCharts,
  stockTaken,
  writesPerSecond,
} from './charts';
import type { Answer } from './results';
import type { Sample, TimeSeries } from './timeseries';

const T0 = 1_000_000;
const answer = (afterMs: number, outcome: Answer['outcome'], latencyMs = 1): Answer =>
  ({ sentAtMs: T0 + afterMs, outcome, latencyNs: latencyMs * 1e6 }) as Answer;

describe('answersPerSecond', () => {
  it('counts each outcome per second of sending, with the seconds it did not occur as 0', () => {
    const series = answersPerSecond(
      [
        answer(100, 'accepted'),
        answer(900, 'accepted'),
        answer(1_500, 'other5xx'),
        answer(2_100, 'accepted'),
        answer(-50, 'accepted'), // before the load: not counted
      ],
      T0,
    );
    expect(Object.fromEntries(series)).toEqual({
      accepted: [
        [0, 2],
        [1, 0],
        [2, 1],
      ],
      other5xx: [
        [0, 0],
        [1, 1],
        [2, 0],
      ],
    });
  });
});

describe('latencyPerSecond', () => {
  it('gives p50 and p99 of every answer sent in each second, and no point for an empty second', () => {
    const answers = [
      ...Array.from({ length: 100 }, (_, i) => answer(10 * i, 'accepted', i + 1)), // 1..100 ms
      answer(2_500, 'soldOut', 7),
    ];
    expect(latencyPerSecond(answers, T0)).toEqual({
      p50: [
        [0, 50],
        [2, 7],
      ],
      p99: [
        [0, 99],
        [2, 7],
      ],
    });
  });
});

describe('lagPoints', () => {
  it("draws each group's lag at its seconds from the load's start, leaving out gaps", () => {
    const points = lagPoints(
      [
        { atMs: T0 - 200, value: { 'inventory-service': { lag: 9, read: 1 } } },
        { atMs: T0 + 500, value: { 'inventory-service': { lag: 3, read: 4 } } },
        { atMs: T0 + 1_000, error: 'broker down' },
        { atMs: T0 + 1_560, value: { 'inventory-service': { lag: 40, read: 4 } } },
      ],
      T0,
    );
    expect(points.get('inventory-service')).toEqual([
      [0.5, 3],
      [1.6, 40],
    ]);
  });
});

describe('writesPerSecond', () => {
  const rows = (
    atMs: number,
    order: number,
    inventory?: number,
  ): Sample<Record<string, number>> => ({
    atMs: T0 + atMs,
    value: inventory === undefined ? { order } : { order, inventory },
  });

  it('is the rate over about a window, which evens out the statistics published once a second', () => {
    const points = writesPerSecond(
      [
        rows(0, 0, 0),
        rows(500, 0, 0), // flushes land once a second: 500 ms differences would swing
        rows(998, 100, 400), // 2 ms of clock jitter still counts as a second
        rows(1_500, 100, 400),
        rows(2_000, 300, 400),
      ],
      T0,
      1_000,
    );
    expect(Object.fromEntries(points)).toEqual({
      order: [
        [1, 100],
        [1.5, 100],
        [2, 200],
      ],
      inventory: [
        [1, 401],
        [1.5, 400],
        [2, 0],
      ],
    });
  });

  it('draws no rate across a gap in a counter, a reset or a database missing from a read', () => {
    const points = writesPerSecond(
      [
        rows(0, 500, 10),
        { atMs: T0 + 500, error: 'the database system is shutting down' },
        rows(1_000, 0), // Postgres came back with its statistics reset; inventory not read
        rows(2_000, 50, 20),
      ],
      T0,
      1_000,
    );
    expect(Object.fromEntries(points)).toEqual({ order: [[2, 50]] });
  });
});

describe('stockTaken', () => {
  it('is the stock less what remains, with no point where the store had no stock', () => {
    expect(
      stockTaken(
        [
          { atMs: T0, value: null }, // inventory does not have the sale yet
          { atMs: T0 + 500, value: 100 },
          { atMs: T0 + 1_000, error: 'ECONNREFUSED' },
          { atMs: T0 + 1_500, value: 97 },
        ],
        100,
        T0,
      ),
    ).toEqual([
      [0.5, 0],
      [1.5, 3],
    ]);
  });
});

describe('legendOf', () => {
  it('shortens a mark to what the legend shows: no -service, no detail in parentheses', () => {
    expect(legendOf('15.2 s inventory-service ready')).toBe('15.2 s inventory ready');
    expect(legendOf('5 s SIGKILL redis-server (pid 4242)')).toBe('5 s SIGKILL redis-server');
    expect(legendOf('5 s SIGSTOP the 3 Kafka brokers: no order.created can be acknowledged')).toBe(
      '5 s SIGSTOP the 3 Kafka brokers: no order.creat…',
    );
  });
});

describe('marks and gaps', () => {
  it('are dashed, named lines: marks vertical to the top, gaps along the x axis', () => {
    expect(markLines([{ atMs: T0 + 5_000, what: 'SIGKILL inventory-service' }], T0, 70)).toEqual([
      {
        name: '5 s SIGKILL inventory',
        points: [
          [5, 0],
          [5, 70],
        ],
        dashed: true,
      },
    ]);
    expect(gapLines([{ fromMs: T0 + 5_100, toMs: T0 + 8_600, error: 'x' }], T0, 'Redis')).toEqual([
      {
        name: 'Redis gap 5.1–8.6 s',
        points: [
          [5.1, 0],
          [8.6, 0],
        ],
        dashed: true,
      },
    ]);
  });
});

describe('runCharts', () => {
  const series = (stockRedis: TimeSeries['stockRedis']): TimeSeries => ({
    everyMs: 500,
    positions: [
      { atMs: T0, value: { 'inventory-service': { lag: 2, read: 1 } } },
      { atMs: T0 + 6_000, error: 'no leader' },
      { atMs: T0 + 9_000, value: { 'inventory-service': { lag: 900, read: 1 } } },
    ],
    rowsWritten: [
      { atMs: T0, value: { 'inventory-service': 0 } },
      { atMs: T0 + 2_000, value: { 'inventory-service': 80 } },
    ],
    stockRedis,
    stockPostgres: [{ atMs: T0, value: 1_000 }],
  });
  const input = {
    title: 'chaos-kill-inventory-20261207-104505',
    t0: T0,
    answers: [answer(100, 'accepted'), answer(6_000, 'outcomeUnknown')],
    stock: 1_000,
    marks: [
      { atMs: T0 + 5_000, what: 'SIGKILL inventory-service' },
      { atMs: T0 + 8_000, what: 'restart inventory-service' },
    ],
  };

  it('draws five charts, each with the run title, every series named and the marks', () => {
    const charts = runCharts({ ...input, series: series([{ atMs: T0, value: 990 }]) });
    expect(charts.map((c) => c.file)).toEqual([
      'answers.svg',
      'latency.svg',
      'lag.svg',
      'writes.svg',
      'stock.svg',
    ]);
    for (const chart of charts) {
      expect(chart.svg.startsWith('<svg')).toBe(true);
      expect(chart.svg).toContain('chaos-kill-inventory-20261207-104505: ');
      expect(chart.svg).toContain('5 s SIGKILL inventory');
      expect(chart.svg).toContain('8 s restart inventory');
    }
    const svg = Object.fromEntries(charts.map((c) => [c.name, c.svg]));
    expect(svg.answers).toContain('202/201 accepted');
    expect(svg.answers).toContain('503 OUTCOME_UNKNOWN');
    expect(svg.latency).toContain('p99');
    expect(svg.lag).toContain('inventory-service');
    expect(svg.lag).toContain('Kafka gap 6–9 s');
    expect(svg.writes).toContain('inventory-service');
    expect(svg.stock).toContain('Redis (admitted)');
    expect(svg.stock).toContain('PostgreSQL (inventory)');
  });

  it('says so when the sale has no Redis key (a sync sale), not when Redis was never read', () => {
    const sync = runCharts({ ...input, series: series([{ atMs: T0, value: null }]) });
    expect(sync.find((c) => c.name === 'stock')?.svg).toContain('Redis: no key (a sync sale)');
    const unread = runCharts({ ...input, series: series([{ atMs: T0, error: 'ECONNREFUSED' }]) });
    expect(unread.find((c) => c.name === 'stock')?.svg).toContain('Redis (admitted)');
  });
});
