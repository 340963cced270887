/**
 * Stages: how requests arrive. Every stage is an open model: arrivals follow the clock and never
 * wait for answers (a slow shop gets more requests in flight, not fewer arrivals). Only between
 * stages does the run wait, until every answer of the stage is in. Pure.
 *
 * A stage becomes one or more segments, each one `vegeta attack` process:
 * - `burst`: N distinct requests sent at once (`-lazy -rate=0 -workers=N -max-workers=N`: N
 *   workers each take one target and the N+1st finds none, which ends the attack);
 * - `constant`: R requests per second for D seconds (`-rate=R×D/D -duration=D`);
 * - `ramp`: from R1 to R2 over D seconds, as a staircase of constant segments (1 s each by
 *   default; vegeta's CLI paces one constant rate per process);
 * - `steps`: constant segments of the given rates, one after another;
 * - `search`: constant steps whose rates a step search picks (step-search.ts).
 * Segments are started on a fixed timetable, each while the previous one may still be waiting
 * for its answers.
 */
import type { Outcome } from './outcomes';

/** Figures found by earlier stages (a search's result), by the name the search saves it as. */
export type Found = Readonly<Record<string, number>>;

/** A number, or one computed from what earlier stages found (e.g. 2 × the measured capacity). */
export type Amount = number | ((found: Found) => number);

/**
 * Over how many buyers a stage spreads its requests, round-robin over the run's users:
 * - a number: that many users;
 * - `{ perRate: k }`: k users per req/s of the stage's peak rate, so each user sends at most
 *   1/k requests a second (the gateway's per-user bucket allows 1/s).
 * A burst defaults to one user per request; other stages to the run's initial users.
 */
export type Users = number | { readonly perRate: number };

interface StageBase {
  readonly name: string;
  readonly users?: Users;
}

export interface BurstStage extends StageBase {
  readonly kind: 'burst';
  readonly requests: Amount;
}

export interface ConstantStage extends StageBase {
  readonly kind: 'constant';
  readonly rate: Amount;
  readonly durationSec: Amount;
}

export interface RampStage extends StageBase {
  readonly kind: 'ramp';
  readonly from: Amount;
  readonly to: Amount;
  readonly durationSec: Amount;
  /** Length of each constant step of the staircase (default 1 s). */
  readonly segmentSec?: number;
}

export interface StepsStage extends StageBase {
  readonly kind: 'steps';
  readonly rates: readonly Amount[];
  readonly stepSec: Amount;
}

/** Where a search sends its steps: the shop's gateway, or a bare Fastify route (a reference). */
export type SearchTarget = 'shop' | 'fastify';

export interface SearchStage extends StageBase {
  readonly kind: 'search';
  readonly target: SearchTarget;
  /** "Held" means: every answer is one of these, and p99 ≤ p99Ms, and the generator kept up. */
  readonly expect: readonly Outcome[];
  readonly p99Ms: number;
  readonly startRate: Amount;
  readonly maxRate: number;
  readonly stepSec: number;
  /** Rate multiplier while every step holds (default 2). */
  readonly factor?: number;
  /** Stop once the first failing rate is within this ratio of the best held rate (1.15). */
  readonly precision?: number;
  readonly maxSteps?: number;
  /** Quiet time between steps, so one step's backlog does not spill into the next (2 s). */
  readonly pauseSec?: number;
  /** Later stages read the result as `found[saveAs]`. */
  readonly saveAs: string;
}

export type Stage = BurstStage | ConstantStage | RampStage | StepsStage | SearchStage;
export type FixedStage = Exclude<Stage, SearchStage>;

// Builders, so a scenario reads as a list of stages.
export const burst = (name: string, requests: Amount, users?: Users): BurstStage => ({
  kind: 'burst',
  name,
  requests,
  users,
});
export const constant = (
  name: string,
  rate: Amount,
  durationSec: Amount,
  users?: Users,
): ConstantStage => ({ kind: 'constant', name, rate, durationSec, users });
export const ramp = (
  name: string,
  from: Amount,
  to: Amount,
  durationSec: Amount,
  users?: Users,
): RampStage => ({ kind: 'ramp', name, from, to, durationSec, users });
export const steps = (
  name: string,
  rates: readonly Amount[],
  stepSec: Amount,
  users?: Users,
): StepsStage => ({ kind: 'steps', name, rates, stepSec, users });
export const search = (name: string, spec: Omit<SearchStage, 'kind' | 'name'>): SearchStage => ({
  kind: 'search',
  name,
  ...spec,
});

export function amount(value: Amount, found: Found): number {
  const n = typeof value === 'function' ? value(found) : value;
  if (!Number.isFinite(n))
    throw new Error(`a stage amount is not a number (${n}); found: ${JSON.stringify(found)}`);
  return n;
}

/** One `vegeta attack` process. */
export interface Segment {
  readonly stage: string;
  readonly label: string;
  readonly mode: 'burst' | 'rate';
  /** Requests it should send. */
  readonly requests: number;
  /** Its arrival rate (req/s); for a burst, the number of requests. */
  readonly rate: number;
  /** 0 for a burst. */
  readonly durationSec: number;
  /** When it starts, from the start of its stage. */
  readonly offsetSec: number;
}

export function segmentsOf(stage: FixedStage, found: Found): Segment[] {
  const n = (v: Amount): number => amount(v, found);
  switch (stage.kind) {
    case 'burst': {
      const requests = Math.max(1, Math.round(n(stage.requests)));
      return [
        {
          stage: stage.name,
          label: `${stage.name}: ${requests} at once`,
          mode: 'burst',
          requests,
          rate: requests,
          durationSec: 0,
          offsetSec: 0,
        },
      ];
    }
    case 'constant':
      return [rateSegment(stage.name, stage.name, n(stage.rate), n(stage.durationSec), 0)];
    case 'ramp': {
      const durationSec = n(stage.durationSec);
      const from = n(stage.from);
      const to = n(stage.to);
      const count = Math.max(1, Math.round(durationSec / (stage.segmentSec ?? 1)));
      const each = durationSec / count;
      return Array.from({ length: count }, (_, k) => {
        // The middle of the step, so the staircase sends what the straight ramp would.
        const rate = from + ((to - from) * (k + 0.5)) / count;
        return rateSegment(stage.name, `${stage.name} ${k + 1}/${count}`, rate, each, k * each);
      });
    }
    case 'steps': {
      const each = n(stage.stepSec);
      return stage.rates.map((r, k) =>
        rateSegment(
          stage.name,
          `${stage.name} ${k + 1}/${stage.rates.length}`,
          n(r),
          each,
          k * each,
        ),
      );
    }
  }
}

function rateSegment(
  stage: string,
  label: string,
  rate: number,
  durationSec: number,
  offsetSec: number,
): Segment {
  if (!(rate > 0) || !(durationSec > 0))
    throw new Error(
      `stage ${stage}: rate and duration must be positive (${rate}/s, ${durationSec} s)`,
    );
  const requests = Math.max(1, Math.round(rate * durationSec));
  return {
    stage,
    label: `${label}: ${Math.round(rate)}/s`,
    mode: 'rate',
    requests,
    rate: requests / durationSec,
    durationSec,
    offsetSec,
  };
}

/** The highest arrival rate of a stage's segments (a burst counts as its size). */
export function peakRate(segments: readonly Segment[]): number {
  return Math.max(...segments.map((s) => s.rate));
}

/** How many of the run's users a stage spreads its requests over. */
export function usersFor(
  stage: Stage,
  segments: readonly Segment[],
  initialUsers: number,
  maxUsers: number,
): number {
  const spec = stage.users;
  const wanted =
    spec === undefined
      ? stage.kind === 'burst'
        ? segments[0].requests
        : initialUsers
      : typeof spec === 'number'
        ? spec
        : Math.ceil(peakRate(segments) * spec.perRate);
  return Math.max(1, Math.min(maxUsers, Math.round(wanted)));
}

/**
 * Targets to write for a segment: a rate segment may send one request more than rate × duration
 * (vegeta's pacer ends after the deadline), and a target file that runs out would be reused from
 * its start (repeating Idempotency-Keys), so it gets a small margin. A burst gets exactly its N.
 */
export function targetCount(segment: Segment): number {
  return segment.mode === 'burst'
    ? segment.requests
    : segment.requests + Math.max(5, Math.ceil(segment.requests * 0.01));
}

/** The vegeta attack flags of a segment (besides targets, output, name and timeout). */
export function attackFlags(segment: Segment): string[] {
  if (segment.mode === 'burst')
    return ['-lazy', '-rate=0', `-workers=${segment.requests}`, `-max-workers=${segment.requests}`];
  const ms = Math.max(1, Math.round(segment.durationSec * 1000));
  return [
    `-rate=${segment.requests}/${ms}ms`,
    `-duration=${ms}ms`,
    // Enough workers from the start; vegeta adds more whenever all are waiting (no max: open).
    `-workers=${Math.min(2000, Math.max(10, Math.ceil(segment.rate / 20)))}`,
  ];
}
