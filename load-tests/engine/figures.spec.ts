import { type VegetaReport, detailOf, stageFigures } from './figures';
import { classify, type Outcome } from './outcomes';
import type { Answer } from './results';
import { burst, constant, segmentsOf } from './stages';

function answer(
  index: number,
  status: number,
  code: string | null,
  extra: Partial<Answer> = {},
): Answer {
  const outcome: Outcome = classify(status, code);
  return {
    series: 'shop',
    stage: 's',
    index,
    status,
    outcome,
    problemCode: code,
    sentAt: '2026-01-01T00:00:00Z',
    sentAtMs: 0,
    latencyNs: 1_000_000,
    error: '',
    retryAfter: false,
    orderId: null,
    idempotencyKey: null,
    bytesIn: 0,
    bytesOut: 0,
    ...extra,
  };
}

/** Stands in for `vegeta report`: the p99 is the number of lines, to see which subset it got. */
const fakeReport = (lines: readonly string[]): Promise<VegetaReport> =>
  Promise.resolve({
    latencies: {
      mean: 1e6,
      '50th': 1e6,
      '90th': 2e6,
      '95th': 3e6,
      '99th': lines.length * 1e6,
      max: 9e6,
    },
    duration: 2e9,
    wait: 5e8,
    requests: lines.length,
    rate: lines.length / 2,
    status_codes: {},
  });

describe('stageFigures', () => {
  it('counts per outcome and group, with vegeta latencies of each subset', async () => {
    const stage = constant('s', 5, 2);
    const answers = [
      answer(0, 202, null),
      answer(1, 409, 'SOLD_OUT'),
      answer(2, 409, 'SOLD_OUT'),
      answer(3, 503, 'OVERLOADED', { retryAfter: true }),
      answer(4, 429, 'RATE_LIMITED'),
      answer(5, 0, null, { error: 'Post "x": context deadline exceeded' }),
      answer(6, 409, 'INSUFFICIENT_STOCK'),
    ];
    const f = await stageFigures('shop', stage, segmentsOf(stage, {}), answers, fakeReport);
    expect(f).toMatchObject({
      intended: 10,
      sent: 7,
      sentShare: 0.7,
      plannedSec: 2,
      intendedRate: 5,
      sentRate: 3.5,
      sendSpanSec: 2,
      goodput: 0.5,
      missingRetryAfter: 1,
      timeouts: 1,
      details: { timeout: 1, '409 INSUFFICIENT_STOCK': 1 },
    });
    expect(f.outcomes.soldOut).toEqual({ count: 2, latency: expect.objectContaining({ p99: 2 }) });
    expect(f.groups.shed.count).toBe(2);
    expect(f.groups.errors.count).toBe(1);
    expect(f.groups['5xx'].count).toBe(1);
    expect(f.groups.all.latency?.p99).toBe(7);
    expect(f.outcomes.limitReached).toBeUndefined();
  });

  it('a burst: its size is the rate; goodput over first send to last answer', async () => {
    const stage = burst('b', 4);
    const f = await stageFigures(
      'shop',
      stage,
      segmentsOf(stage, {}),
      [
        answer(0, 202, null),
        answer(1, 202, null),
        answer(2, 409, 'SOLD_OUT'),
        answer(3, 409, 'SOLD_OUT'),
      ],
      fakeReport,
    );
    expect(f).toMatchObject({
      intended: 4,
      sent: 4,
      plannedSec: 0,
      intendedRate: 4,
      goodput: 2 / 2.5,
    });
  });
});

describe('detailOf', () => {
  it('names other answers and transport errors', () => {
    expect(
      detailOf(answer(0, 0, null, { error: 'dial tcp 1.2.3.4:1: connect: connection refused' })),
    ).toBe('connection refused');
    expect(detailOf(answer(0, 500, null))).toBe('500 -');
    expect(detailOf(answer(0, 409, 'SOLD_OUT'))).toBeNull();
  });
});
