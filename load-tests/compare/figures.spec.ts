import type { Answer } from '../engine/results';
import { classify } from '../engine/outcomes';
import { answerFigures, percentile } from './figures';

function answer(status: number, code: string | null, latencyMs: number, sentAtMs = 0): Answer {
  return {
    series: 'shop',
    stage: 'burst',
    index: 0,
    status,
    outcome: classify(status, code),
    problemCode: code,
    sentAt: '',
    sentAtMs,
    latencyNs: latencyMs * 1e6,
    error: '',
    retryAfter: status === 503 || status === 429,
  } as Answer;
}

describe('answerFigures', () => {
  it('sorts answers into bought (202 or 201), refused, shed and errors', () => {
    const figures = answerFigures([
      answer(202, null, 10),
      answer(201, null, 900),
      answer(409, 'SOLD_OUT', 5),
      answer(402, 'PAYMENT_DECLINED', 40),
      answer(503, 'OVERLOADED', 1),
      answer(429, 'RATE_LIMITED', 1),
      answer(503, 'UPSTREAM_UNAVAILABLE', 30),
      answer(503, 'OUTCOME_UNKNOWN', 2000),
      answer(0, null, 10_000),
    ]);
    expect(figures).toMatchObject({ sent: 9, bought: 2, refused: 2, shed: 2, errors: 3 });
    expect(figures.byAnswer).toEqual({
      '201': 1,
      '202': 1,
      '402 PAYMENT_DECLINED': 1,
      '409 SOLD_OUT': 1,
      '429 RATE_LIMITED': 1,
      '503 OUTCOME_UNKNOWN': 1,
      '503 OVERLOADED': 1,
      '503 UPSTREAM_UNAVAILABLE': 1,
      'no answer': 1,
    });
    expect(figures.maxMs).toBe(10_000);
  });

  it('counts purchases per second from the first send to the last answer', () => {
    const figures = answerFigures([answer(202, null, 500, 0), answer(202, null, 500, 1500)]);
    expect(figures.boughtPerSec).toBeCloseTo(1, 5); // 2 purchases over 2 s
  });

  it('has no latency figures for no answers', () => {
    expect(answerFigures([])).toMatchObject({ sent: 0, p50Ms: null, p99Ms: null, maxMs: null });
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
  });
});
