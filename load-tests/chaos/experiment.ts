/**
 * What a chaos experiment is (load-tests/chaos/*.ts): a name, what it is done to (a service,
 * say), its options, the load it runs under (a scenario of the load engine, with the engine's
 * business checks), and the fault it injects once that load has started. run.ts does the rest:
 * every consumer group's lag samples, the recovery figures, the answers during the fault.
 */
import type { CommonOptions, OptionSpecs, OptionValues } from '../engine/options';
import type { RunReport } from '../engine/run';
import type { Scenario } from '../engine/scenario';

/** A moment of the fault, for the timeline ("SIGKILL inventory-service (pid 123)"). */
export interface Mark {
  readonly atMs: number;
  readonly what: string;
}

/**
 * The verdict on a run whose fault breaks an invariant on purpose (restart-redis --host-loss):
 * the load's checks and the verifier are expected to fail, so "every check passed" is the wrong
 * question; the right one is whether they found exactly what the fault destroyed.
 */
export interface Judgement {
  readonly ok: boolean;
  /** Printed in the chaos summary, as they are. */
  readonly lines: readonly string[];
  /** Kept in chaos.json. */
  readonly record: object;
}

/** Judges the finished run (its checks, thresholds and verifier report) against what the fault did. */
export type Judge = (run: RunReport) => Promise<Judgement>;

export interface FaultContext {
  /** The run's sale, the one the crowd buys from. */
  readonly saleId: string;
  /** Puts a moment on the timeline; the first mark is the fault the recovery counts from. */
  mark(what: string): void;
  /** Waits `ms`, or less if the run is interrupted. */
  sleep(ms: number): Promise<void>;
  /**
   * Replaces the run's verdict with `judge`'s. Handed over by the fault, since only the fault
   * knows what it destroyed (a closure over its own measurements); most faults never call it.
   */
  judgeBy(judge: Judge): void;
  readonly log: (line: string) => void;
}

export interface Experiment<S extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** A few lines for `--help`. */
  readonly description: string;
  /** The positional argument (`kill-consumer <service>`), if it takes one, and its values. */
  readonly target?: { readonly name: string; readonly choices: readonly string[] };
  readonly options: S;
  /** The load the fault is injected into. */
  scenario(target: string, o: OptionValues<S> & CommonOptions): Scenario;
  /** What the experiment needs that a usage error should name (a 3-broker cluster, say). */
  precondition?(): string | null;
  /** Injects the fault and repairs it; starts when the load starts. */
  fault(target: string, o: OptionValues<S> & CommonOptions, ctx: FaultContext): Promise<void>;
  /** Undoes the fault if the run stops half-way (Ctrl-C, an error): never leave it broken. */
  repair(target: string): Promise<void>;
}

export function defineExperiment<S extends OptionSpecs>(experiment: Experiment<S>): Experiment<S> {
  return experiment;
}
