/**
 * One chaos run: the experiment's load through the load engine (vegeta, business checks,
 * thresholds), its fault injected once the load has started, every consumer group's position
 * sampled from Kafka all along, then the recovery of each group the fault reached, what buyers
 * heard during the fault, and `chaos.json` next to the load's own files in
 * `.cache/load/<run-id>/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Admin } from 'kafkajs';
import { SHOP_CONSUMER_GROUPS, formatTable, localKafkaAdmin, positions } from '../engine/infra';
import type { CommonOptions, OptionValues } from '../engine/options';
import { OUTCOME_LABELS } from '../engine/outcomes';
import { type RunReport, runScenario } from '../engine/run';
import { answersChart, lagChart } from './charts';
import type { Experiment, FaultContext, Mark } from './experiment';
import { type LagSample, type Recovery, answersBetween, recoveryOf } from './recovery';

type Log = (line: string) => void;

const SAMPLE_EVERY_MS = 500;

export interface ChaosReport {
  readonly ok: boolean;
  readonly dir: string;
  readonly recoveries: Readonly<Record<string, Recovery>>;
  readonly marks: readonly Mark[];
  /** The load's run (its answers, its sale) and the buyers' exposure: fault to repair, epoch ms. */
  readonly run: RunReport;
  readonly faultWindow: { readonly fromMs: number; readonly toMs: number };
}

/** Samples every group's position every SAMPLE_EVERY_MS until stopped. */
function lagSampler(
  admin: Admin,
  groups: readonly string[],
): { stop: () => Promise<Map<string, LagSample[]>> } {
  const samples = new Map<string, LagSample[]>(groups.map((g) => [g, []]));
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const now = await positions(admin, groups);
        for (const g of groups) samples.get(g)?.push({ atMs: started, ...now[g] });
      } catch {
        // A sample lost to a broker that is down (kill-broker) is a gap in the series.
      }
      const wait = Math.max(0, SAMPLE_EVERY_MS - (Date.now() - started));
      await new Promise((resolve) => setTimeout(resolve, wait));
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
  const admin = localKafkaAdmin(`chaos-${experiment.name}`);
  await admin.connect();
  const sampler = lagSampler(admin, groups);

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

  let samples = new Map<string, LagSample[]>();
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
      log(`  chaos: the run stopped half-way; repairing the fault`);
      await experiment.repair(target);
    }
    samples = await sampler.stop();
    await admin.disconnect();
  }

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

  const ok = report.ok && recovered;
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
  log(`  ${path.relative(process.cwd(), file)}: the timeline, every lag sample, the figures`);
  const title = `chaos ${experiment.name}${target ? ` ${target}` : ''}`;
  const charts = {
    'lag.svg': lagChart(samples, marks, t0, `${title}: consumer lag`),
    'answers.svg': answersChart(report.shopAnswers, marks, t0, `${title}: buyers' answers`),
  };
  for (const [name, svg] of Object.entries(charts)) {
    fs.writeFileSync(path.join(report.dir, name), svg);
    log(`  ${path.relative(process.cwd(), path.join(report.dir, name))}`);
  }
  return {
    ok,
    dir: report.dir,
    recoveries,
    marks,
    run: report,
    faultWindow: { fromMs: faultAt, toMs: repairedAt },
  };
}
