/**
 * One chaos run: the experiment's load through the load engine (vegeta, business checks,
 * thresholds), its fault injected once the load has started, the watched consumer group's lag
 * sampled from Kafka all along, then the recovery figures, what buyers heard during the fault,
 * and `chaos.json` next to the load's own files in `.cache/load/<run-id>/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Admin } from 'kafkajs';
import { formatTable, localKafkaAdmin, positions } from '../engine/infra';
import type { CommonOptions, OptionValues } from '../engine/options';
import { OUTCOME_LABELS, type Outcome } from '../engine/outcomes';
import { type RunReport, runScenario } from '../engine/run';
import type { Experiment, FaultContext, Mark } from './experiment';
import { type LagSample, type Recovery, answersBetween, recoveryOf } from './recovery';

type Log = (line: string) => void;

const SAMPLE_EVERY_MS = 500;

export interface ChaosReport {
  readonly ok: boolean;
  readonly dir: string;
  readonly recovery: Recovery;
  readonly marks: readonly Mark[];
}

/** Samples one group's position every SAMPLE_EVERY_MS until stopped. */
function lagSampler(admin: Admin, group: string): { stop: () => Promise<LagSample[]> } {
  const samples: LagSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const { lag, read } = (await positions(admin, [group]))[group];
        samples.push({ atMs: started, lag, read });
      } catch {
        // A sample lost to a broker hiccup is a gap in the series, not a failed run.
      }
      await new Promise((r) =>
        setTimeout(r, Math.max(0, SAMPLE_EVERY_MS - (Date.now() - started))),
      );
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

const secondsAfter = (ms: number | null): string =>
  ms === null ? 'never, within the run' : `${(ms / 1000).toFixed(1)} s`;

export async function runExperiment(
  experiment: Experiment,
  target: string,
  o: OptionValues<Experiment['options']> & CommonOptions,
  log: Log,
  stopping: AbortSignal,
): Promise<ChaosReport> {
  const group = experiment.group(target);
  const admin = localKafkaAdmin(`chaos-${experiment.name}`);
  await admin.connect();
  const sampler = lagSampler(admin, group);

  const marks: Mark[] = [];
  let loadStartedAt: number | null = null;
  let fault: Promise<void> | null = null;
  let faultDone = false;
  const ctx: FaultContext = {
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
  };

  let samples: LagSample[] = [];
  let report: RunReport;
  try {
    report = await runScenario(experiment.scenario(target, o), o, log, {
      onShopStageStart: () => {
        if (fault) return;
        loadStartedAt = Date.now();
        fault = experiment.fault(target, o, ctx).then(() => {
          faultDone = true;
        });
      },
    });
    await fault;
  } finally {
    if (fault !== null && !faultDone) {
      log(`  chaos: the run stopped half-way; repairing ${target}`);
      await experiment.repair(target);
    }
    samples = await sampler.stop();
    await admin.disconnect();
  }

  const faultAt = marks[0]?.atMs ?? Date.now();
  const recovery = recoveryOf(samples, faultAt);
  const windowEnd =
    recovery.caughtUpAfterMs === null ? Infinity : faultAt + recovery.caughtUpAfterMs;
  const during = answersBetween(report.shopAnswers, faultAt, windowEnd);
  const t0 = loadStartedAt ?? faultAt;

  log('');
  log(`chaos ${experiment.name} ${target}`);
  log(
    `  timeline (s from the load's start): ${marks
      .map((m) => `${((m.atMs - t0) / 1000).toFixed(1)} ${m.what}`)
      .join(' · ')}`,
  );
  log(
    formatTable(
      ['group', 'lag before the fault', 'peak', 'consumed again after', 'caught up after'],
      [
        [
          group,
          `≤ ${recovery.baselineLag.toLocaleString('en-US')}`,
          `${recovery.peakLag.toLocaleString('en-US')} at ${secondsAfter(recovery.peakAfterMs)}`,
          secondsAfter(recovery.consumedAgainAfterMs),
          secondsAfter(recovery.caughtUpAfterMs),
        ],
      ],
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  const total = [...during.values()].reduce((a, b) => a + b, 0);
  log(
    `  buyers' answers to the ${total.toLocaleString('en-US')} purchases sent from the fault until caught up: ${
      [...during.entries()]
        .map(
          ([outcome, n]: [Outcome, number]) =>
            `${n.toLocaleString('en-US')} × ${OUTCOME_LABELS[outcome]}`,
        )
        .join(', ') || 'none'
    }`,
  );

  const ok = report.ok && recovery.caughtUpAfterMs !== null;
  fs.writeFileSync(
    path.join(report.dir, 'chaos.json'),
    `${JSON.stringify(
      {
        experiment: experiment.name,
        target,
        group,
        ok,
        options: o,
        loadStartedAt: loadStartedAt === null ? null : new Date(loadStartedAt).toISOString(),
        marks: marks.map((m) => ({ at: new Date(m.atMs).toISOString(), what: m.what })),
        recovery,
        answersDuringFault: Object.fromEntries(during),
        lag: samples.map((s) => ({ atMs: s.atMs - t0, lag: s.lag })),
      },
      null,
      2,
    )}\n`,
  );
  log(
    `  ${path.relative(process.cwd(), path.join(report.dir, 'chaos.json'))}: the timeline, the lag samples, the figures`,
  );
  return { ok, dir: report.dir, recovery, marks };
}
