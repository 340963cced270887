import type { Answer } from '../engine/results';
import { answersBetween, recoveryOf, type LagSample } from './recovery';

const FAULT = 10_000;

/** Samples every 500 ms: `lag` and `read` per sample, starting at t = 8 s. */
function samples(rows: ReadonlyArray<readonly [lag: number, read: number]>): LagSample[] {
  return rows.map(([lag, read], i) => ({ atMs: 8_000 + i * 500, lag, read }));
}

describe('recoveryOf', () => {
  it('measures from the fault: consumed again when the commits move, caught up at the old lag', () => {
    const recovery = recoveryOf(
      samples([
        [3, 100], // 8.0 s
        [5, 110], // 8.5
        [2, 120], // 9.0
        [4, 130], // 9.5
        [3, 140], // 10.0: the fault
        [40, 140], // 10.5: nobody commits
        [90, 140], // 11.0
        [150, 140], // 11.5
        [120, 200], // 12.0: consumed again
        [20, 300], // 12.5
        [5, 330], // 13.0: back at the baseline (5)
        [0, 340], // 13.5
      ]),
      FAULT,
    );
    expect(recovery).toEqual({
      stalled: true,
      baselineLag: 5,
      peakLag: 150,
      peakAfterMs: 1_500,
      consumedAgainAfterMs: 2_000,
      caughtUpAfterMs: 3_000,
    });
  });

  it('does not call a group caught up before it consumed again (a quiet moment is not recovery)', () => {
    const recovery = recoveryOf(
      samples([
        [4, 100], // 8.0
        [4, 100], // 8.5
        [4, 100], // 9.0
        [4, 100], // 9.5
        [4, 100], // 10.0: the fault
        [2, 100], // 10.5: low lag, but the group is dead
        [30, 100], // 11.0
        [10, 130], // 11.5: consumed again, still above 4
        [4, 160], // 12.0
      ]),
      FAULT,
    );
    expect(recovery.consumedAgainAfterMs).toBe(1_500);
    expect(recovery.caughtUpAfterMs).toBe(2_000);
  });

  it("does not count the victim's last commit, just after the fault, as consumed again", () => {
    const recovery = recoveryOf(
      samples([
        [3, 100], // 8.0
        [3, 110], // 8.5
        [3, 120], // 9.0
        [3, 130], // 9.5
        [3, 140], // 10.0: the fault
        [10, 150], // 10.5: a commit sent before the SIGKILL
        [60, 150], // 11.0: stalled
        [110, 150], // 11.5
        [80, 200], // 12.0: consumed again
        [3, 280], // 12.5
      ]),
      FAULT,
    );
    expect(recovery.consumedAgainAfterMs).toBe(2_000);
    expect(recovery.caughtUpAfterMs).toBe(2_500);
  });

  it('finds no stall in a group the fault did not reach, busy or idle', () => {
    const busy = recoveryOf(
      samples([
        [3, 100],
        [3, 110],
        [3, 120],
        [3, 130],
        [3, 140], // the fault
        [4, 150],
        [5, 150], // one still sample: between two fetches
        [2, 160],
      ]),
      FAULT,
    );
    const idle = recoveryOf(
      samples([
        [0, 100],
        [0, 100],
        [0, 100],
        [0, 100],
        [0, 100], // the fault
        [0, 100],
        [0, 100],
      ]),
      FAULT,
    );
    for (const recovery of [busy, idle])
      expect(recovery).toMatchObject({
        stalled: false,
        consumedAgainAfterMs: null,
        caughtUpAfterMs: null,
      });
  });

  it('says null while the group never came back', () => {
    const recovery = recoveryOf(
      samples([
        [1, 100],
        [1, 100],
        [1, 100],
        [1, 100],
        [1, 100],
        [9, 100],
        [19, 100],
      ]),
      FAULT,
    );
    expect(recovery).toMatchObject({
      consumedAgainAfterMs: null,
      caughtUpAfterMs: null,
      peakLag: 19,
    });
  });
});

describe('answersBetween', () => {
  const answer = (sentAtMs: number, outcome: Answer['outcome']): Answer =>
    ({ sentAtMs, outcome }) as Answer;

  it('counts by outcome the requests sent inside the window, end excluded', () => {
    const counts = answersBetween(
      [
        answer(9_999, 'overloaded'),
        answer(10_000, 'accepted'),
        answer(10_500, 'accepted'),
        answer(11_000, 'transport'),
        answer(12_000, 'accepted'),
      ],
      10_000,
      12_000,
    );
    expect(Object.fromEntries(counts)).toEqual({ accepted: 2, transport: 1 });
  });
});
