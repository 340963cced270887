/**
 * What a chaos experiment is (load-tests/chaos/*.ts): a name, what it is done to (a service,
 * say), its options, the load it runs under (a scenario of the load engine, with the engine's
 * business checks), and the fault it injects once that load has started. run.ts does the rest:
 * every consumer group's lag samples, the recovery figures, the answers during the fault.
 */
import type { CommonOptions, OptionSpecs, OptionValues } from '../engine/options';
import type { Scenario } from '../engine/scenario';

/** A moment of the fault, for the timeline ("SIGKILL inventory-service (pid 123)"). */
export interface Mark {
  readonly atMs: number;
  readonly what: string;
}

export interface FaultContext {
  /** Puts a moment on the timeline; the first mark is the fault the recovery counts from. */
  mark(what: string): void;
  /** Waits `ms`, or less if the run is interrupted. */
  sleep(ms: number): Promise<void>;
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
