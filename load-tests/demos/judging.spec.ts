// The demos' own judging of what they saw: pure functions of each demo module.
import type { ChaosReport } from '../chaos/run';
import { groupRecoveryCheck } from './chaos-run';
import { SAGA_TOPICS, topologyChecks } from './mq-architecture';
import { VISIBLE_BACKLOG, backlogChecks, stockCheck } from './peak-shaving';
import { reliabilityFault } from './reliability';
import type { TopologySnapshot } from './topology';

describe('peak-shaving', () => {
  const b = (peakLag: number, drainedAtMs: number | null) => ({
    peakLag,
    peakAtMs: peakLag > 0 ? 1 : null,
    drainedAtMs,
    drainPerSec: null,
  });

  it('passes a visible peak that drained', () => {
    const checks = backlogChecks(
      new Map([
        ['inventory-service', b(1_500, 9)],
        ['payment-service', b(0, null)],
      ]),
    );
    expect(checks.map((c) => c.ok)).toEqual([true, true]);
  });

  it('fails a spike that never became lag, and lag that never drained', () => {
    const checks = backlogChecks(new Map([['inventory-service', b(VISIBLE_BACKLOG - 1, null)]]));
    expect(checks.map((c) => c.ok)).toEqual([false, false]);
    expect(checks[1].detail).toBe('still behind: inventory-service');
  });
});

describe('mq-architecture', () => {
  const snap = (grow: number, lag: number): TopologySnapshot => ({
    atMs: 0,
    topics: new Map(SAGA_TOPICS.map((t) => [t, 10 + grow])),
    groups: new Map([['inventory-service', { lag, read: 10 + grow, topics: ['order.created'] }]]),
  });

  it('passes when every saga topic grew, every group consumed, none is behind', () => {
    expect(topologyChecks(snap(0, 0), snap(5, 0)).every((c) => c.ok)).toBe(true);
  });

  it('fails what did not move, and a group left behind', () => {
    expect(topologyChecks(snap(0, 0), snap(0, 2)).map((c) => c.ok)).toEqual([false, false, false]);
  });
});

describe('reliability', () => {
  it('kills a broker on the 3-broker cluster only', () => {
    expect(reliabilityFault(3)).toBe('kill-broker');
    expect(reliabilityFault(1)).toBe('kill-consumer');
    expect(reliabilityFault(null)).toBe('kill-consumer');
  });
});

describe('groupRecoveryCheck', () => {
  const report = (stalled: boolean, caughtUpAfterMs: number | null) =>
    ({
      recoveries: {
        'payment-service': {
          stalled,
          baselineLag: 2,
          peakLag: 300,
          peakAfterMs: 9_000,
          consumedAgainAfterMs: 12_000,
          caughtUpAfterMs,
        },
      },
    }) as unknown as ChaosReport;

  it('passes a group that stalled, grew a backlog and caught up', () => {
    const c = groupRecoveryCheck(report(true, 15_000), 'payment-service');
    expect(c.ok).toBe(true);
    expect(c.detail).toBe(
      'lag peak 300 at 9.0 s after the fault; consumed again after 12.0 s, caught up after 15.0 s',
    );
  });

  it('fails one that never caught up, or that the fault never reached', () => {
    expect(groupRecoveryCheck(report(true, null), 'payment-service').ok).toBe(false);
    expect(groupRecoveryCheck(report(false, null), 'payment-service').ok).toBe(false);
    expect(groupRecoveryCheck(report(true, 1), 'inventory-service').ok).toBe(false);
  });
});

describe('stockCheck', () => {
  const low = (atMs: number, value: number) => ({ atMs, value });

  it('passes Redis first and both ending at the same stock', () => {
    const c = stockCheck({
      redisLow: low(1_000, 0),
      postgresLow: low(3_500, 0),
      redisEnd: 21,
      postgresEnd: 21,
    });
    expect(c.ok).toBe(true);
    expect(c.detail).toBe(
      'Redis reached its low 2.5 s before PostgreSQL; they end at 21 and 21 units',
    );
  });

  it('allows one sampling interval either way, no more', () => {
    const base = { redisEnd: 0, postgresEnd: 0 };
    expect(stockCheck({ ...base, redisLow: low(1_400, 0), postgresLow: low(1_000, 0) }).ok).toBe(
      true,
    );
    expect(stockCheck({ ...base, redisLow: low(2_000, 0), postgresLow: low(1_000, 0) }).ok).toBe(
      false,
    );
  });

  it('fails stores that disagree at the end, or a store never read', () => {
    expect(
      stockCheck({ redisLow: low(0, 0), postgresLow: low(1, 0), redisEnd: 1, postgresEnd: 2 }).ok,
    ).toBe(false);
    expect(
      stockCheck({ redisLow: null, postgresLow: low(1, 0), redisEnd: null, postgresEnd: 2 }).ok,
    ).toBe(false);
  });
});
