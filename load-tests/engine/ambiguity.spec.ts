import {
  classifyListed,
  listedOrderBought,
  classifyReplay,
  replayPlan,
  sample,
  summarizeReplays,
  type ReplayRecord,
} from './ambiguity';
import type { Outcome } from './outcomes';
import type { Answer } from './results';

function answer(index: number, outcome: Outcome): Answer {
  return {
    series: 'shop',
    stage: 'burst',
    index,
    status: outcome === 'transport' ? 0 : 500,
    outcome,
    problemCode: null,
    sentAt: '',
    sentAtMs: 1000,
    latencyNs: 0,
    error: outcome === 'transport' ? 'context deadline exceeded' : '',
    retryAfter: false,
    orderId: null,
    idempotencyKey: null,
    bytesIn: 0,
    bytesOut: 0,
  };
}

/** A deterministic stand-in for Math.random. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('replayPlan', () => {
  const answers: Answer[] = [
    answer(0, 'accepted'),
    answer(1, 'transport'),
    answer(2, 'other5xx'),
    answer(3, 'overloaded'),
    answer(4, 'outcomeUnknown'),
    answer(5, 'ok'),
    ...Array.from({ length: 10 }, (_, i) => answer(10 + i, 'soldOut')),
    answer(30, 'rateLimited'),
  ];

  it('replays every unsettled answer and a sample of the refusals, never a 202', () => {
    const plan = replayPlan(answers, { max: 100, refusalSample: 3, random: seeded(1) });
    const replayed = plan.replay.map((a) => a.index);
    expect(replayed.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(replayed).not.toContain(0);
    expect(plan).toMatchObject({
      unsettled: 5,
      unsettledReplayed: 5,
      refusals: 11,
      refusalsReplayed: 3,
    });
    expect(new Set(replayed).size).toBe(replayed.length);
  });

  it('caps the unsettled replays at max', () => {
    const plan = replayPlan(answers, { max: 2, refusalSample: 0, random: seeded(2) });
    expect(plan.replay).toHaveLength(2);
    expect(plan.unsettled).toBe(5);
  });

  it('samples uniformly without repeats', () => {
    const picked = sample([1, 2, 3, 4, 5, 6], 4, seeded(3));
    expect(new Set(picked).size).toBe(4);
    expect(sample([1, 2], 5, seeded(3))).toEqual([1, 2]);
  });
});

describe('classifyReplay', () => {
  const sentAtMs = 50_000;

  it('a 202 for an order older than the replay: the original had bought', () => {
    const replay = { outcome: 'accepted' as const, sentAtMs, acceptedAtMs: 10_000 };
    expect(classifyReplay('transport', replay)).toBe('ambiguous');
    expect(classifyReplay('other5xx', replay)).toBe('ambiguous');
    expect(classifyReplay('soldOut', replay)).toBe('ambiguous');
    // unless the shop said it did not know
    expect(classifyReplay('outcomeUnknown', replay)).toBe('uncertainSettled');
  });

  it('a 202 for an order of unknown age counts against the shop', () => {
    expect(classifyReplay('transport', { outcome: 'accepted', sentAtMs, acceptedAtMs: null })).toBe(
      'ambiguous',
    );
  });

  it('a 202 for an order the replay created is a fresh purchase', () => {
    expect(
      classifyReplay('overloaded', { outcome: 'accepted', sentAtMs, acceptedAtMs: sentAtMs + 3 }),
    ).toBe('replayBought');
  });

  it('refusals, the sold-out fast path, and no definite answer', () => {
    const r = (outcome: Outcome) =>
      classifyReplay('transport', { outcome, sentAtMs, acceptedAtMs: null });
    expect(r('limitReached')).toBe('refused');
    expect(r('other4xx')).toBe('refused');
    expect(r('soldOut')).toBe('refusedSoldOut');
    expect(r('rateLimited')).toBe('inconclusive');
    expect(r('overloaded')).toBe('inconclusive');
    expect(r('transport')).toBe('inconclusive');
  });
});

describe('summarizeReplays', () => {
  it('counts by class and by original answer, with examples of the ambiguous ones', () => {
    const plan = replayPlan([answer(1, 'transport'), answer(2, 'outcomeUnknown')], {
      max: 10,
      refusalSample: 0,
      random: seeded(4),
    });
    const records: ReplayRecord[] = [
      {
        original: answer(1, 'transport'),
        replay: { outcome: 'accepted', sentAtMs: 9, acceptedAtMs: 1 },
        cls: 'ambiguous',
      },
      {
        original: answer(2, 'outcomeUnknown'),
        replay: { outcome: 'accepted', sentAtMs: 9, acceptedAtMs: 1 },
        cls: 'uncertainSettled',
      },
    ];
    const s = summarizeReplays(plan, records);
    expect(s.ambiguous).toBe(1);
    expect(s.byClass.uncertainSettled).toBe(1);
    expect(s.byOriginal).toEqual({
      'transport error → ambiguous': 1,
      '503 OUTCOME_UNKNOWN → uncertainSettled': 1,
    });
    expect(s.examples[0]).toMatch(/^request #1 \(burst\): first transport error .*replay 202$/);
    expect(s.plan).toEqual({
      unsettled: 2,
      unsettledReplayed: 2,
      refusals: 0,
      refusalsReplayed: 0,
    });
  });
});

describe('classifyListed', () => {
  it('an order with the key in the buyer’s list: the original had bought', () => {
    expect(classifyListed('transport', true)).toBe('ambiguous');
    expect(classifyListed('soldOut', true)).toBe('ambiguous');
    expect(classifyListed('outcomeUnknown', true)).toBe('uncertainSettled');
    expect(classifyListed('transport', false)).toBe('refused');
  });
});

describe('listedOrderBought', () => {
  const replaySentAtMs = Date.parse('2026-12-07T12:00:10.000Z');
  const before = '2026-12-07T12:00:01.000Z';

  it('an order older than the replay that kept its units: the original had bought', () => {
    expect(listedOrderBought({ status: 'SHIPPED', acceptedAt: before }, replaySentAtMs)).toBe(true);
    expect(listedOrderBought({ status: 'PENDING', acceptedAt: before }, replaySentAtMs)).toBe(true);
  });

  it('an order the replay itself created is not the original’s', () => {
    const after = '2026-12-07T12:00:10.500Z';
    expect(listedOrderBought({ status: 'SHIPPED', acceptedAt: after }, replaySentAtMs)).toBe(false);
  });

  it('a FAILED or CANCELLED order kept nothing (a sync sale records a refusal as FAILED)', () => {
    expect(listedOrderBought({ status: 'FAILED', acceptedAt: before }, replaySentAtMs)).toBe(false);
    expect(listedOrderBought({ status: 'CANCELLED', acceptedAt: before }, replaySentAtMs)).toBe(
      false,
    );
  });

  it('an order of unknown age counts against the shop', () => {
    expect(listedOrderBought({ status: 'SHIPPED' }, replaySentAtMs)).toBe(true);
  });
});
