/**
 * A chaos experiment as a demo runs it: the same runExperiment as `npm run chaos` (the load
 * engine's crowd, the fault injected and repaired, each group's recovery, the verifier), called
 * directly, short, with every group's lag printed every 2 s while it runs; then the figures a
 * watcher came for, and the checks. The judging is pure.
 */
import type { ChaosReport } from '../chaos/run';
import { runExperiment } from '../chaos/run';
import type { Experiment } from '../chaos/experiment';
import type { CrowdOptions } from '../chaos/crowd';
import { SHOP_CONSUMER_GROUPS, localKafkaAdmin } from '../engine/infra';
import { OUTCOME_LABELS } from '../engine/outcomes';
import { answersBetween } from '../chaos/recovery';
import { type DemoCheck, type DemoContext, check } from './demo';
import { engineChecks, engineOptions } from './runs';
import { watchLag } from './topology';

export interface ChaosTiming extends CrowdOptions {
  readonly faultAt: number;
  readonly downFor: number;
}

/** Runs `experiment` on `target` with the demo's timing; prints the lag as it goes. */
export async function runChaos(
  ctx: DemoContext,
  experiment: Experiment,
  target: string,
  timing: ChaosTiming,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<ChaosReport> {
  const admin = localKafkaAdmin(`demo-${experiment.name}-${Date.now().toString(36)}`);
  await admin.connect();
  const watch = watchLag(admin, SHOP_CONSUMER_GROUPS, 2_000, ctx.log);
  try {
    return await runExperiment(
      experiment,
      target,
      { ...engineOptions(experiment.options, ctx.url), ...extra, ...timing },
      ctx.detail,
      ctx.stopping,
    );
  } finally {
    await watch.stop();
    await admin.disconnect().catch(() => undefined);
  }
}

/** What buyers heard between the fault and its repair, e.g. "412 × 202 accepted". */
export function faultAnswers(report: ChaosReport): {
  accepted: number;
  total: number;
  text: string;
} {
  const during = answersBetween(
    report.run.shopAnswers,
    report.faultWindow.fromMs,
    report.faultWindow.toMs,
  );
  const total = [...during.values()].reduce((a, b) => a + b, 0);
  return {
    accepted: during.get('accepted') ?? 0,
    total,
    text:
      [...during]
        .map(([outcome, count]) => `${count.toLocaleString('en-US')} × ${OUTCOME_LABELS[outcome]}`)
        .join(', ') || 'none',
  };
}

const s = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/**
 * The group the fault stopped: its committed offsets stood still (the lag grew), then moved
 * again once served, and it caught up. Pure.
 */
export function groupRecoveryCheck(report: ChaosReport, group: string): DemoCheck {
  const r = report.recoveries[group];
  if (!r) return check(`${group} caught up`, false, 'no lag samples of it');
  return check(
    `${group}'s backlog grew while it was down and drained after the restart`,
    r.stalled && r.peakLag > 0 && r.caughtUpAfterMs !== null,
    r.stalled
      ? `lag peak ${r.peakLag.toLocaleString('en-US')} at ${s(r.peakAfterMs)} after the fault; ` +
          `consumed again after ${s(r.consumedAgainAfterMs)}, caught up after ${s(r.caughtUpAfterMs)}`
      : 'its offsets never stood still (the fault did not reach it)',
  );
}

/** The experiment's own verdict (checks, thresholds, every stalled group recovered). */
export function chaosChecks(report: ChaosReport): DemoCheck[] {
  const stalled = Object.entries(report.recoveries).filter(([, r]) => r.stalled);
  return [
    check(
      'the chaos experiment recovered',
      report.ok,
      report.ok
        ? `every check passed; ${stalled.length} group(s) stalled and all caught up`
        : 'see the chaos summary above',
    ),
    ...engineChecks(report.run),
  ];
}
