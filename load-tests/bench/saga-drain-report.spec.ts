import { type PgCeiling } from '../engine/infra';
import {
  analyzeSagaDrain,
  cpuPerOrderLine,
  type SagaLedger,
  sagaChecks,
  type DrainSample,
  formatSagaDrainMarkdown,
  formatSagaDrainReport,
  sagaLagChart,
  type SagaDrainReport,
  slowestGroup,
  summarizeGroup,
  terminalCount,
  timeToReach,
} from './saga-drain-report';

const at = (
  atMs: number,
  inventory: [number, number],
  payment: [number, number],
  statuses: Record<string, number>,
): DrainSample => ({
  atMs,
  groups: {
    'inventory-service': { lag: inventory[0], read: inventory[1] },
    'payment-service': { lag: payment[0], read: payment[1] },
  },
  statuses,
});

// 100 orders: inventory starts 100 behind and drains at 40 events/s; payment falls 40 behind.
const SAMPLES: DrainSample[] = [
  at(0, [100, 0], [0, 0], { PENDING: 100 }),
  at(1000, [60, 40], [30, 10], { PENDING: 60, RESERVED: 30, SHIPPED: 10 }),
  at(2000, [20, 80], [40, 50], { RESERVED: 50, SHIPPED: 50 }),
  at(3000, [0, 100], [10, 90], { RESERVED: 10, SHIPPED: 85, FAILED: 5 }),
  at(4000, [0, 100], [0, 100], { SHIPPED: 95, FAILED: 5 }),
];

const PG: PgCeiling = {
  tps: 400,
  p50Ms: 1,
  p99Ms: 5,
  transactions: 4000,
  clients: 8,
  durationSec: 10,
  command: 'pgbench …',
  serverVersion: '16',
};

function report(overrides: Partial<SagaDrainReport> = {}): SagaDrainReport {
  return {
    date: '2026-12-03 17:00 UTC',
    commit: 'abc1234',
    command: 'npm run bench -- drain --orders 100',
    saleId: 'sale-1',
    admission: { accepted: 100, elapsedSec: 2, retried: 3, lastAcceptedBeforeReleaseSec: 1.5 },
    released: ['inventory-service', 'payment-service'],
    readyAfterSec: 0.8,
    groups: ['inventory-service', 'payment-service'],
    // inventory handled 100 events of other topics during admission: 2 per order in all.
    baseline: {
      'inventory-service': { lag: 0, read: -100 },
      'payment-service': { lag: 0, read: 0 },
    },
    samples: SAMPLES,
    backlogMin: 20,
    timedOut: false,
    postgres: PG,
    ...overrides,
  };
}

describe('timeToReach', () => {
  const terminal = (s: DrainSample): number => terminalCount(s.statuses);

  it('interpolates between the samples around the value', () => {
    expect(timeToReach(SAMPLES, 30, terminal)).toBeCloseTo(1.5);
    expect(timeToReach(SAMPLES, 100, terminal)).toBeCloseTo(4);
    expect(timeToReach(SAMPLES, 0, terminal)).toBe(0);
  });

  it('is null for a value never reached', () => {
    expect(timeToReach(SAMPLES, 101, terminal)).toBeNull();
  });
});

describe('summarizeGroup', () => {
  it('gives the peak, the time to zero lag and the rates of a group that starts behind', () => {
    expect(summarizeGroup('inventory-service', SAMPLES, { lag: 0, read: -100 }, 100, 20)).toEqual({
      group: 'inventory-service',
      peakLag: 100,
      peakAtSec: 0,
      firstEventAtSec: 0,
      drainedAtSec: 3,
      events: 100,
      eventsPerOrder: 2,
      meanRatePerSec: 100 / 3,
      // 20 orders' worth at 2 events per order: behind at both ends of 0–1 s only.
      behindRatePerSec: 40,
      behindSec: 1,
    });
  });

  it('measures a downstream group only while it is behind', () => {
    const payment = summarizeGroup('payment-service', SAMPLES, undefined, 100, 20);
    expect(payment).toMatchObject({ peakLag: 40, peakAtSec: 2, drainedAtSec: 4 });
    expect(payment.behindRatePerSec).toBe(40);
    expect(payment.behindSec).toBe(1);
    expect(payment.meanRatePerSec).toBe(25);
  });

  it('counts its rate from its first event: start-up and group join are not capacity', () => {
    const stalled: DrainSample[] = [
      at(0, [100, 0], [0, 0], {}),
      at(1000, [100, 0], [0, 0], {}),
      at(2000, [100, 0], [0, 0], {}),
      ...SAMPLES.slice(1).map((s) => ({ ...s, atMs: s.atMs + 2000 })),
    ];
    const summary = summarizeGroup('inventory-service', stalled, undefined, 100, 20);
    expect(summary.firstEventAtSec).toBe(2);
    expect(summary.behindRatePerSec).toBe(40);
    expect(summary.behindSec).toBe(2);
    expect(summary.meanRatePerSec).toBe(100 / 3);
    expect(summary.drainedAtSec).toBe(5);
  });

  it('leaves the drain time open while the group still lags at the end', () => {
    const summary = summarizeGroup('payment-service', SAMPLES.slice(0, 4), undefined, 100, 20);
    expect(summary.drainedAtSec).toBeNull();
  });
});

describe('slowestGroup', () => {
  const group = (name: string, behindSec: number, behindRatePerSec: number | null) => ({
    group: name,
    peakLag: 0,
    peakAtSec: 0,
    firstEventAtSec: 0,
    drainedAtSec: 0,
    events: 0,
    eventsPerOrder: 1,
    meanRatePerSec: 0,
    behindRatePerSec,
    behindSec,
  });

  it('ignores a group behind only for a moment, and one never behind', () => {
    const slowest = slowestGroup([
      group('payment-service', 40, 30),
      group('notification-service', 20, 25),
      // A 3 s pause with nothing handled is not a rate.
      group('logistics-service', 3, 0),
      group('order-service', 0, null),
    ]);
    expect(slowest?.group).toBe('notification-service');
  });

  it('is null when no group was behind', () => {
    expect(slowestGroup([group('order-service', 0, null)])).toBeNull();
  });
});

describe('analyzeSagaDrain', () => {
  it('times the saga, finds the slowest group in orders/s and judges the targets', () => {
    const a = analyzeSagaDrain(report());
    expect(a.terminalAtSec).toBeCloseTo(4);
    expect(a.terminalAfterLast202Sec).toBeCloseTo(5.5);
    // 10 % terminal at 1 s, 90 % at 3 s.
    expect(a.sustainedPerSec).toBeCloseTo(40);
    expect(a.drainedAtSec).toBe(4);
    // Both 40 events/s while behind, but inventory handles 2 events per order: 20 orders/s.
    expect(a.slowest?.group).toBe('inventory-service');
    expect(a.verdicts.map((v) => v.result)).toEqual(['missed', 'not judged']);
    expect(a.finalStatuses).toEqual({ SHIPPED: 95, FAILED: 5 });
  });

  it('meets both targets when 10,000 orders are terminal fast enough', () => {
    const samples: DrainSample[] = [
      { atMs: 0, groups: {}, statuses: { PENDING: 10_000 } },
      { atMs: 10_000, groups: {}, statuses: { SHIPPED: 9_500, FAILED: 500 } },
    ];
    const a = analyzeSagaDrain(
      report({
        samples,
        groups: [],
        admission: {
          accepted: 10_000,
          elapsedSec: 50,
          retried: 0,
          lastAcceptedBeforeReleaseSec: 5,
        },
      }),
    );
    expect(a.sustainedPerSec).toBeCloseTo(1000);
    expect(a.terminalAfterLast202Sec).toBeCloseTo(15);
    expect(a.verdicts.map((v) => v.result)).toEqual(['met', 'met']);
  });

  it('misses the backlog target when the orders are not all terminal by the end', () => {
    const a = analyzeSagaDrain(
      report({
        samples: SAMPLES.slice(0, 3),
        admission: {
          accepted: 10_000,
          elapsedSec: 50,
          retried: 0,
          lastAcceptedBeforeReleaseSec: 5,
        },
        timedOut: true,
      }),
    );
    expect(a.terminalAtSec).toBeNull();
    expect(a.verdicts[1].result).toBe('missed');
  });
});

describe('sagaChecks', () => {
  /** 100 one-unit orders: 95 shipped, 5 declined (their units back in stock). */
  const consistent: SagaLedger = {
    orders: { SHIPPED: 95, FAILED: 5 },
    stock: { initial: 100, available: 5, reserved: 100, released: 5 },
    reservations: { RESERVED: 95, RELEASED: 5 },
    payments: { CAPTURED: 95, DECLINED: 5 },
    charges: { SUCCEEDED: 95, DECLINED: 5 },
    shipments: { CREATED: 95 },
  };
  const failing = (ledger: SagaLedger) =>
    sagaChecks(ledger, 100)
      .filter((c) => !c.ok)
      .map((c) => c.name);

  it('passes a sale whose every service agrees', () => {
    expect(failing(consistent)).toEqual([]);
  });

  it('fails an oversold or unbalanced stock, a second charge, a missing shipment, a lost order', () => {
    expect(
      failing({
        ...consistent,
        stock: { initial: 100, available: -1, reserved: 101, released: 0 },
      }),
    ).toContain('no oversell, stock conserved');
    expect(failing({ ...consistent, charges: { SUCCEEDED: 96, DECLINED: 5 } })).toEqual([
      'one payment per order, charged once',
    ]);
    expect(failing({ ...consistent, shipments: { CREATED: 94 } })).toEqual([
      'one shipment per paid order',
    ]);
    expect(failing({ ...consistent, orders: { SHIPPED: 95, FAILED: 4, PENDING: 1 } })).toContain(
      'every accepted order in the read model, and terminal',
    );
    expect(failing({ ...consistent, reservations: { RESERVED: 95, RELEASED: 4 } })).toEqual([
      'one reservation per order; every order that failed gave its unit back',
    ]);
  });
});

describe('cpuPerOrderLine', () => {
  it('gives the CPU per accepted order, in all and per process group, and the share of a core', () => {
    const cpu = {
      elapsedSec: 10,
      shares: [
        { label: 'postgres', percent: 50 },
        { label: 'payment-service', percent: 30 },
        { label: 'bench', percent: 0.01 }, // 0.001 ms per order: left out of the list
      ],
    };
    expect(cpuPerOrderLine(cpu, 1000)).toBe(
      'CPU from the release to the end (10.0 s): 8.00 ms per order (postgres 5.00, payment-service 3.00), 80 % of a core',
    );
  });

  it('says nothing without orders, time or shares', () => {
    expect(cpuPerOrderLine({ elapsedSec: 10, shares: [] }, 1000)).toBeNull();
    expect(
      cpuPerOrderLine({ elapsedSec: 0, shares: [{ label: 'x', percent: 1 }] }, 1000),
    ).toBeNull();
    expect(cpuPerOrderLine({ elapsedSec: 10, shares: [{ label: 'x', percent: 1 }] }, 0)).toBeNull();
  });
});

describe('formatting', () => {
  it('prints the timings, the per-group table, the slowest group and the Postgres ratios', () => {
    const text = formatSagaDrainReport(report());
    expect(text).toContain('admission: 100 × 202 in 2.0 s = 50 orders/s (3 retried after 429/503)');
    expect(text).toContain('every order terminal after 4.0 s (5.5 s after the last 202)');
    expect(text).toMatch(/^inventory-service \(slowest\) +100 +0\.0 +0\.0 +3\.0 +100 +2\.00 /m);
    expect(text).toContain(
      'slowest consumer: inventory-service, 40.0 events/s = 20.0 orders/s while behind',
    );
    expect(text).toContain('400 tps; whole saga 40.0 orders/s = 10.0 %');
    expect(text).not.toContain('CPU from the release'); // a run from before it was measured
    expect(text).toMatch(/MISSED +whole-saga throughput/);
    expect(text).toMatch(/NOT JUDGED +10,000 accepted orders all terminal/);
  });

  it('writes a markdown section with the table, the verdicts and the chart', () => {
    const cpu = { elapsedSec: 4, shares: [{ label: 'postgres', percent: 100 }] };
    const md = formatSagaDrainMarkdown(report({ cpu }), 'bench/drain-lag.svg');
    expect(md).toContain('Run 2026-12-03 17:00 UTC on commit `abc1234`:');
    expect(md).toContain(
      '- CPU from the release to the end (4.0 s): 40.00 ms per order (postgres 40.00)',
    );
    expect(md).toContain('| inventory-service (slowest) | 100 | 0.0 | 0.0 | 3.0 |');
    expect(md).toContain('| ---: |');
    expect(md).toContain('| **missed** |');
    expect(md).toContain('![Lag per consumer group after the release](bench/drain-lag.svg)');
  });

  it('charts each group and the orders not terminal yet', () => {
    const svg = sagaLagChart(report());
    expect(svg).toContain('>inventory-service</text>');
    expect(svg).toContain('>payment-service</text>');
    expect(svg).toContain('>orders not terminal</text>');
    expect(svg.match(/<polyline /g)).toHaveLength(3);
  });
});
