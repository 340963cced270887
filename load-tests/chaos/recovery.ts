/**
 * How a consumer group came back from a fault, from samples of its position on its topics
 * (committed offsets against the log ends, read from Kafka every ~500 ms). Pure.
 *
 * While the crowd keeps arriving a healthy group is never at lag 0: it is always a few events
 * behind the newest. So "caught up" means back to the highest lag it had in the window before
 * the fault, and "consumed again" means its committed offsets moved again after they stood
 * still, which is when its partitions are served again (by a survivor or by the restarted
 * instance). A commit the victim made just before it died lands in the first sample after the
 * fault; it is not a recovery.
 */
import type { Answer } from '../engine/results';
import type { Outcome } from '../engine/outcomes';

/** Samples in a row with unmoved commits and work waiting that make a stall. */
const STILL_SAMPLES = 2;

export interface LagSample {
  /** Epoch ms. */
  readonly atMs: number;
  /** Events on the group's topics it has not handled yet. */
  readonly lag: number;
  /** Sum of its committed positions: it grows while the group works. */
  readonly read: number;
}

export interface Recovery {
  /** Its committed positions stood still after the fault: the fault reached this group. */
  readonly stalled: boolean;
  /** The highest lag in the window before the fault: the level a healthy group runs at. */
  readonly baselineLag: number;
  readonly peakLag: number;
  /** From the fault to the peak. */
  readonly peakAfterMs: number | null;
  /** From the fault to the first sample whose committed positions moved again; null if never stalled. */
  readonly consumedAgainAfterMs: number | null;
  /** From the fault to the first sample, once consumed again, at or below the baseline lag. */
  readonly caughtUpAfterMs: number | null;
}

export function recoveryOf(samples: readonly LagSample[], faultAtMs: number): Recovery {
  const before = samples.filter((s) => s.atMs <= faultAtMs);
  const after = samples.filter((s) => s.atMs > faultAtMs);
  const baselineLag = before.reduce((max, s) => Math.max(max, s.lag), 0);
  let peak: LagSample | null = null;
  for (const s of after) if (peak === null || s.lag > peak.lag) peak = s;
  const { movedAt, stalled } = endOfStall(before[before.length - 1], after);
  const caughtUp =
    movedAt === undefined
      ? undefined
      : after.find((s) => s.atMs >= movedAt.atMs && s.lag <= baselineLag);
  const since = (s: LagSample | null | undefined): number | null => (s ? s.atMs - faultAtMs : null);
  return {
    stalled,
    baselineLag,
    peakLag: peak?.lag ?? 0,
    peakAfterMs: since(peak),
    consumedAgainAfterMs: since(movedAt),
    caughtUpAfterMs: since(caughtUp),
  };
}

/**
 * The first sample whose committed positions moved after a sample where they stood still with
 * work waiting. A group that never stood still was not reached by the fault (or was handed over
 * quicker than the sampling sees): it has no recovery to measure.
 */
function endOfStall(
  last: LagSample | undefined,
  after: readonly LagSample[],
): { movedAt: LagSample | undefined; stalled: boolean } {
  let previous = last;
  let still = 0;
  let stalled = false;
  for (const sample of after) {
    // Standing still with nothing to do (lag 0) is idle, not stalled; one still sample is a
    // group between two fetches, two in a row (a second) is a stall.
    if (previous !== undefined && sample.read === previous.read && sample.lag > 0) {
      still += 1;
      if (still >= STILL_SAMPLES) stalled = true;
    } else {
      if (stalled && previous !== undefined && sample.read > previous.read)
        return { movedAt: sample, stalled };
      still = 0;
    }
    previous = sample;
  }
  return { movedAt: undefined, stalled };
}

/** The shop's answers to requests sent in [fromMs, toMs), counted by outcome. */
export function answersBetween(
  answers: readonly Answer[],
  fromMs: number,
  toMs: number,
): ReadonlyMap<Outcome, number> {
  const counts = new Map<Outcome, number>();
  for (const a of answers)
    if (a.sentAtMs >= fromMs && a.sentAtMs < toMs)
      counts.set(a.outcome, (counts.get(a.outcome) ?? 0) + 1);
  return counts;
}
