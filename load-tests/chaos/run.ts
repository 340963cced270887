/**
 * One chaos run: the experiment's load through the load engine (vegeta, business checks,
 * thresholds, and the shop's state sampled every 500 ms with its charts), its fault injected once
 * the load has started and marked on those charts, then the recovery of each consumer group the
 * fault reached (from the engine's samples of their positions), what buyers heard during the
 * fault, and `chaos.json` next to the load's own files in `.cache/load/<run-id>/`. A fault that
 * breaks an invariant on purpose (restart-redis --host-loss) hands over a judge: its verdict on
 * what the checks and the verifier found replaces "every check passed".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SHOP_CONSUMER_GROUPS } from '../engine/infra';
import { formatTable } from '../bench/stats';
import type { CommonOptions, OptionValues } from '../engine/options';
import { OUTCOME_LABELS } from '../engine/outcomes';
import { type RunReport, runScenario } from '../engine/run';
import { positionsByGroup } from '../engine/timeseries';
import type { Experiment, FaultContext, Judge, Judgement, Mark } from './experiment';
import { type Recovery, answersBetween, recoveryOf } from './recovery';

type Log = (line: string) => void;

export interface ChaosReport {
  readonly ok: boolean;
  readonly dir: string;
  readonly recoveries: Readonly<Record<string, Recovery>>;
  readonly marks: readonly Mark[];
  /** The load's run (its answers, its sale) and the buyers' exposure: fault to repair, epoch ms. */
  readonly run: RunReport;
  readonly faultWindow: { readonly fromMs: number; readonly toMs: number };
  /** The fault's own verdict, when it broke an invariant on purpose; it then decides `ok`. */
  readonly judgement: Judgement | null;
}

const seconds = (ms: number | null): string =>
  ms === null ? 'never, within the run' : `${(ms / 1000).toFixed(1)} s`;

export async function runExperiment(
  experiment: Experiment,
  target: string,
  o: OptionValues<Experiment['options']> & CommonOptions,
  log: Log,
  stopping: AbortSignal,
): Promise<ChaosReport> {
  const groups = [...SHOP_CONSUMER_GROUPS];
  const marks: Mark[] = [];
  let loadStartedAt: number | null = null;
  let fault: Promise<void> | null = null;
  let faultDone = false;
  // Held in an object: the fault sets it from inside a callback.
  const judging: { judge: Judge | null } = { judge: null };
  const contextFor = (saleId: string): FaultContext => ({
    saleId,
    judgeBy: (judge) => {
      judging.judge = judge;
    },
    mark: (what) => {
      marks.push({ atMs: Date.now(), what });
      log(`  chaos: ${what}`);
    },
    sleep: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        stopping.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      }),
    log,
  });

  let report: RunReport;
  try {
    report = await runScenario(experiment.scenario(target, o), o, log, {
      onShopStageStart: (_stage, saleId) => {
        if (fault) return;
        loadStartedAt = Date.now();
        fault = experiment.fault(target, o, contextFor(saleId)).then(() => {
          faultDone = true;
        });
      },
      // The charts carry the whole timeline, the repair's last step included. A fault that
      // failed is reported below (await fault), not here, so the load's files are written.
      chartMarks: async () => {
        await fault?.catch(() => undefined);
        return marks;
      },
    });
    await fault;
  } finally {
    if (fault !== null && !faultDone) {
      log(`  chaos: the run stopped half-way; repairing the fault`);
      await experiment.repair(target);
    }
  }
  // The engine's samples, taken from the load's start until its verifier was done.
  const samples = positionsByGroup(report.timeseries?.positions ?? [], groups);

  const faultAt = marks[0]?.atMs ?? Date.now();
  const recoveries = Object.fromEntries(
    groups.map((g) => [g, recoveryOf(samples.get(g) ?? [], faultAt)]),
  );
  const reached = Object.entries(recoveries).filter(([, r]) => r.stalled);
  const recovered = reached.every(([, r]) => r.caughtUpAfterMs !== null);
  // Buyers are exposed from the fault until the repair is done (its last mark).
  const repairedAt = marks[marks.length - 1]?.atMs ?? faultAt;
  const during = answersBetween(report.shopAnswers, faultAt, repairedAt);
  const t0 = loadStartedAt ?? faultAt;

  log('');
  log(`chaos ${experiment.name}${target ? ` ${target}` : ''}`);
  log(
    `  timeline (s from the load's start): ${marks
      .map((m) => `${((m.atMs - t0) / 1000).toFixed(1)} ${m.what}`)
      .join(' · ')}`,
  );
  const table = formatTable(
    ['consumer group', 'lag before the fault', 'peak', 'consumed again after', 'caught up after'],
    Object.entries(recoveries).map(([g, r]) =>
      r.stalled
        ? [
            g,
            `≤ ${r.baselineLag.toLocaleString('en-US')}`,
            `${r.peakLag.toLocaleString('en-US')} at ${seconds(r.peakAfterMs)}`,
            seconds(r.consumedAgainAfterMs),
            seconds(r.caughtUpAfterMs),
          ]
        : [g, `≤ ${r.baselineLag.toLocaleString('en-US')}`, '-', 'never stalled', '-'],
    ),
  );
  for (const line of table.split('\n')) log(`  ${line}`);
  const total = [...during.values()].reduce((a, b) => a + b, 0);
  const answers = [...during.entries()]
    .map(([outcome, n]) => `${n.toLocaleString('en-US')} × ${OUTCOME_LABELS[outcome]}`)
    .join(', ');
  log(
    `  buyers' answers to the ${total.toLocaleString('en-US')} purchases sent from the fault until ` +
      `the repair was done: ${answers || 'none'}`,
  );

  // A fault that broke an invariant on purpose judges the findings itself: it alone knows what
  // should have been found.
  const judgement = judging.judge === null ? null : await judging.judge(report);
  for (const line of judgement?.lines ?? []) log(`  ${line}`);
  const ok = (judgement === null ? report.ok : judgement.ok) && recovered;
  const file = path.join(report.dir, 'chaos.json');
  fs.writeFileSync(
    file,
    `${JSON.stringify(
      {
        experiment: experiment.name,
        target: target || null,
        ok,
        options: o,
        loadStartedAt: loadStartedAt === null ? null : new Date(loadStartedAt).toISOString(),
        marks: marks.map((m) => ({ at: new Date(m.atMs).toISOString(), what: m.what })),
        recoveries,
        answersDuringFault: Object.fromEntries(during),
        judgement: judgement === null ? null : { ok: judgement.ok, ...judgement.record },
        lag: Object.fromEntries(
          [...samples].map(([g, s]) => [
            g,
            s.map((x) => ({ atMs: x.atMs - t0, lag: x.lag, read: x.read })),
          ]),
        ),
      },
      null,
      2,
    )}\n`,
  );
  log(
    `  ${path.relative(process.cwd(), file)}: the timeline, every lag sample, the figures ` +
      "(the load's charts above carry the timeline's marks)",
  );
  return {
    ok,
    dir: report.dir,
    recoveries,
    marks,
    run: report,
    faultWindow: { fromMs: faultAt, toMs: repairedAt },
    judgement,
  };
}
