/**
 * The load engine's runs as the demos start them: the scenario's own defaults, then the demo's
 * few changes, through the same option parser as `npm run load` (so a default changed there is
 * changed here too); and the engine's verdict turned into the demo's checks. The judging is pure.
 */
import type { Check } from '../engine/checks';
import {
  COMMON_OPTIONS,
  type CommonOptions,
  type OptionSpecs,
  type OptionValues,
  parseScenarioOptions,
} from '../engine/options';
import { VERIFIER_CHECK } from '../engine/run';
import type { ThresholdResult } from '../engine/thresholds';
import { type DemoCheck, check } from './demo';

/**
 * Every option at its default, against `url`; a demo is about what the shop does, not about the
 * generator, so the generator's ceiling is not measured, and the waits are shorter than a load
 * test's (a demo that cannot settle in a minute has something to show, not to wait for).
 */
export function engineOptions<S extends OptionSpecs>(
  specs: S,
  url: string,
): OptionValues<S> & CommonOptions {
  return {
    ...parseScenarioOptions({ ...COMMON_OPTIONS, ...specs }, []),
    url,
    noCeiling: true,
    settleTimeout: 60,
    idleTimeout: 30,
  };
}

/**
 * The thresholds about what buyers are told, which a demo always judges: nobody left without an
 * answer, nobody told "failed" who bought (`ambiguous`), every 429/503 with Retry-After, some
 * purchase admitted. The others (latency percentiles, shares, goodput, and the count of 5xx
 * answers) are what a busy machine moves: an OUTCOME_UNKNOWN 503 under a 2-core crowd is honest
 * (the buyer is told to ask again with the same key, and the replay settles it), so a demo
 * reports it; `ambiguous` fails the demo if any such answer hid a purchase.
 */
const HONESTY_METRICS: ReadonlySet<string> = new Set([
  'count',
  'missingRetryAfter',
  'timeouts',
  'ambiguous',
]);

function isHonesty(t: ThresholdResult): boolean {
  const { metric, outcome } = t.threshold;
  return HONESTY_METRICS.has(metric) && !(metric === 'count' && outcome === 'errors');
}

/**
 * The engine's business checks and thresholds as one check (each failure named), and the
 * verifier's verdict as another: the two things a watcher asks after a demo. With `reported`,
 * a demo whose point is not the scenario's latency targets (the topology, the backlog) reports
 * a missed latency or share threshold rather than failing on it: on a busy 2-core machine (CI
 * runs a browser next to it) a burst's slowest answer is the machine's, not the demo's.
 */
export function engineChecks(
  run: { readonly checks: readonly Check[]; readonly thresholds: readonly ThresholdResult[] },
  thresholds: 'judged' | 'reported' = 'judged',
): DemoCheck[] {
  const business = run.checks.filter((c) => c.name !== VERIFIER_CHECK);
  const text = (t: ThresholdResult) => `${t.name} (${t.detail})`;
  const reportedOnly = (t: ThresholdResult) => thresholds === 'reported' && !isHonesty(t);
  const missed = run.thresholds.filter((t) => !t.ok && reportedOnly(t)).map(text);
  const failed = [
    ...business.filter((c) => !c.ok).map((c) => `${c.name} (${c.detail})`),
    ...run.thresholds.filter((t) => !t.ok && !reportedOnly(t)).map(text),
  ];
  const noted =
    thresholds === 'reported' && missed.length > 0
      ? `; not judged here, missed: ${missed.join('; ')}`
      : '';
  const out = [
    check(
      thresholds === 'judged'
        ? "the load engine's business checks and thresholds"
        : "the load engine's business checks and honesty thresholds",
      failed.length === 0,
      (failed.length === 0
        ? `${business.length} checks and ${run.thresholds.length - missed.length} thresholds passed`
        : `failed: ${failed.join('; ')}`) + noted,
    ),
  ];
  const verifier = run.checks.find((c) => c.name === VERIFIER_CHECK);
  out.push(
    verifier
      ? check(`the verifier: ${verifier.name}`, verifier.ok, verifier.detail)
      : check('the verifier', false, 'it did not run'),
  );
  return out;
}
