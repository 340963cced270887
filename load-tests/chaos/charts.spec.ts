import type { Answer } from '../engine/results';
import { answersChart, answersPerSecond, lagChart } from './charts';

const T0 = 1_000_000;
const answer = (afterMs: number, outcome: Answer['outcome']): Answer =>
  ({ sentAtMs: T0 + afterMs, outcome }) as Answer;

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

describe('the charts', () => {
  const marks = [
    { atMs: T0 + 5_000, what: 'SIGKILL inventory-service' },
    { atMs: T0 + 8_000, what: 'restart inventory-service' },
  ];

  it('draw every group, every outcome and every mark, named', () => {
    const lag = lagChart(
      new Map([
        [
          'inventory-service',
          [
            { atMs: T0, lag: 3, read: 1 },
            { atMs: T0 + 9_000, lag: 900, read: 1 },
          ],
        ],
        ['payment-service', [{ atMs: T0, lag: 2, read: 1 }]],
      ]),
      marks,
      T0,
      'kill-consumer inventory-service: lag',
    );
    for (const text of ['inventory-service', 'payment-service', '5 s SIGKILL', '8 s restart'])
      expect(lag).toContain(text);

    const answers = answersChart(
      [answer(100, 'accepted'), answer(6_000, 'outcomeUnknown')],
      marks,
      T0,
      'answers',
    );
    expect(answers).toContain('202 accepted');
    expect(answers).toContain('503 OUTCOME_UNKNOWN');
    expect(answers.startsWith('<svg')).toBe(true);
  });
});
