/**
 * What a scenario is (load-tests/scenarios/*.ts): a name, a description, its options, a setup
 * through the public API, the stages of arrivals, the thresholds that fail the run, and the
 * business checks it ends with. The engine (run.ts) does the rest: vegeta, the generator's
 * ceiling, the replays, the saga wait, the summary and the plot.
 */
import type { ShopApi, Sale } from '../bench/shop-api';
import { ALL_CHECKS, type BusinessCheck } from './checks';
import type { CommonOptions, OptionSpecs, OptionValues } from './options';
import type { KnownOrder } from './settle';
import type { Buyers } from './shop';
import type { Stage } from './stages';
import type { Threshold } from './thresholds';

export interface SetupContext {
  readonly api: ShopApi;
  readonly adminToken: string;
  readonly buyers: Buyers;
  /** Short and unique per run: names, user ids and Idempotency-Keys start with it. */
  readonly runKey: string;
  readonly log: (line: string) => void;
}

export interface SetupResult {
  readonly sale: Sale;
  /** Orders bought during setup (they count in the checks like any other). */
  readonly orders?: readonly KnownOrder[];
}

export interface Scenario<S extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** A few lines for `--help`. */
  readonly description: string;
  readonly options: S;
  /** Buyers minted before the setup (stages may ask for more). */
  initialUsers(o: OptionValues<S> & CommonOptions): number;
  setup(ctx: SetupContext, o: OptionValues<S> & CommonOptions): Promise<SetupResult>;
  stages(o: OptionValues<S> & CommonOptions): readonly Stage[];
  thresholds(o: OptionValues<S> & CommonOptions): readonly Threshold[];
  /** Default: every business check (checks.ts). */
  readonly checks?: readonly BusinessCheck[];
  /** Ratios of found figures to print, e.g. the gateway's held rate over bare Fastify's. */
  readonly ratios?: ReadonlyArray<{
    readonly name: string;
    readonly numerator: string;
    readonly denominator: string;
  }>;
  /** Print a table of goodput and of the excess the shop turned away (overload). */
  readonly reportShedding?: boolean;
  /** Print the time from 202 to SHIPPED over the run, in windows of this many seconds. */
  readonly shipTrendWindowSec?: number;
}

export function defineScenario<S extends OptionSpecs>(scenario: Scenario<S>): Scenario<S> {
  return scenario;
}

export function checksOf(scenario: Scenario): readonly BusinessCheck[] {
  return scenario.checks ?? ALL_CHECKS;
}
