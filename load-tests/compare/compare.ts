/**
 * `npm run bench -- compare`: the seed's argument, measured. The same open-model crowds run
 * against both designs of the same shop, one after the other in one run: the event-driven flow
 * (Redis admission, 202, the saga over Kafka) and the synchronous baseline (ADR 0012: stock in
 * PostgreSQL, inventory, payment and logistics called over HTTP while the buyer waits).
 *
 *   1. flash-sale: the load engine's flash-sale scenario (an instant burst of buyers, then a
 *      ramp on the sold-out sale), with its business checks and the verifier;
 *   2. slow payment: a steady crowd while the payment provider takes --latency per call
 *      (chaos slow-payment);
 *   3. payment down: a steady crowd while payment-service is SIGKILLed for --down-for
 *      (chaos kill-consumer payment-service).
 * Each phase reports, per design, what buyers heard (during the fault, for 2 and 3) and whether
 * every invariant held afterwards.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import killConsumer from '../chaos/kill-consumer';
import { runExperiment } from '../chaos/run';
import slowPayment from '../chaos/slow-payment';
import { repoRoot } from '../engine/infra';
import type { CommonOptions } from '../engine/options';
import type { Answer } from '../engine/results';
import { gitCommit, runScenario } from '../engine/run';
import flashSale from '../scenarios/flash-sale';
import { type AnswerFigures, answerFigures } from './figures';

export const DESIGNS = ['events', 'sync'] as const;
export type Design = (typeof DESIGNS)[number];

export interface CompareOptions {
  readonly common: CommonOptions;
  readonly stock: number;
  readonly buyersPerUnit: number;
  readonly rampFrom: number;
  readonly rate: number;
  readonly duration: number;
  readonly steadyRate: number;
  readonly steadyDuration: number;
  readonly faultAt: number;
  readonly downFor: number;
  readonly latency: number;
  readonly skipDownstream: boolean;
}

/** One design in one phase: what the buyers heard, and whether the invariants held after. */
export interface DesignResult {
  readonly design: Design;
  /** Per stage (burst, ramp) or the fault window (`during the fault`). */
  readonly windows: ReadonlyArray<{ readonly name: string; readonly figures: AnswerFigures }>;
  /** Units kept once settled, of the sale's stock (null: the phase's sale cannot sell out). */
  readonly kept: number | null;
  readonly stock: number;
  /** The engine's business checks and the verifier, all passed. */
  readonly invariantsHeld: boolean;
  readonly broken: readonly string[];
  readonly runDir: string;
}

export interface PhaseResult {
  readonly phase: string;
  readonly what: string;
  readonly designs: readonly DesignResult[];
}

export interface CompareReport {
  readonly commit: string;
  readonly startedAt: string;
  readonly invocation: string;
  readonly phases: readonly PhaseResult[];
  readonly file: string;
}

type Log = (line: string) => void;

interface Summary {
  readonly settle?: { readonly kept?: number };
  readonly checks?: ReadonlyArray<{ readonly name: string; readonly ok: boolean }>;
}

function readSummary(dir: string): Summary {
  return JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Summary;
}

/** The invariants of a run: every business check (the verifier is one of them) passed. */
function invariants(dir: string): { held: boolean; broken: string[]; kept: number | null } {
  const summary = readSummary(dir);
  const broken = (summary.checks ?? []).filter((c) => !c.ok).map((c) => c.name);
  return { held: broken.length === 0, broken, kept: summary.settle?.kept ?? null };
}

const byStage = (answers: readonly Answer[], stage: string) =>
  answers.filter((a) => a.stage === stage);

export async function runCompare(
  o: CompareOptions,
  invocation: string,
  log: Log,
  stopping: AbortSignal,
): Promise<CompareReport> {
  const startedAt = new Date();
  // The code measured, taken before anything (a docs edit during the run is not the code's).
  const commit = gitCommit();
  const phases: PhaseResult[] = [];
  const banner = (line: string) => {
    log('');
    log('#'.repeat(100));
    log(`# compare: ${line}`);
    log('#'.repeat(100));
  };

  const flash: DesignResult[] = [];
  for (const design of DESIGNS) {
    if (stopping.aborted) break;
    banner(`flash-sale against the ${design} design`);
    const report = await runScenario(
      flashSale,
      {
        ...o.common,
        stock: o.stock,
        buyersPerUnit: o.buyersPerUnit,
        perUserLimit: 1,
        rampFrom: o.rampFrom,
        rate: o.rate,
        duration: o.duration,
        flow: design,
        // The generator's ceiling once, with the first design: it does not depend on the shop.
        noCeiling: o.common.noCeiling || design !== DESIGNS[0],
      },
      log,
    );
    const held = invariants(report.dir);
    flash.push({
      design,
      windows: ['burst', 'ramp'].map((stage) => ({
        name: stage,
        figures: answerFigures(byStage(report.shopAnswers, stage)),
      })),
      kept: held.kept,
      stock: o.stock,
      invariantsHeld: held.held,
      broken: held.broken,
      runDir: report.dir,
    });
  }
  phases.push({
    phase: 'flash-sale',
    what: `${(o.stock * o.buyersPerUnit).toLocaleString('en-US')} buyers at once for ${o.stock} units, then ${o.rampFrom} → ${o.rate} req/s for ${o.duration} s`,
    designs: flash,
  });

  if (!o.skipDownstream) {
    const crowd = {
      ...o.common,
      rate: o.steadyRate,
      duration: o.steadyDuration,
      users: Math.max(300, o.steadyRate * 3),
      faultAt: o.faultAt,
      downFor: o.downFor,
      noCeiling: true,
    };
    const downstream = [
      {
        phase: 'slow payment',
        what: `${o.steadyRate} req/s for ${o.steadyDuration} s; ${o.faultAt} s in, every payment-provider call takes ${Math.round(o.latency * 1000)} ms for ${o.downFor} s`,
        run: (design: Design) =>
          runExperiment(
            slowPayment,
            '',
            { ...crowd, latency: o.latency, flow: design },
            log,
            stopping,
          ),
      },
      {
        phase: 'payment down',
        what: `${o.steadyRate} req/s for ${o.steadyDuration} s; ${o.faultAt} s in, payment-service is SIGKILLed and restarted ${o.downFor} s later`,
        run: (design: Design) =>
          runExperiment(
            killConsumer,
            'payment-service',
            { ...crowd, graceful: false, flow: design },
            log,
            stopping,
          ),
      },
    ];
    for (const { phase, what, run } of downstream) {
      const designs: DesignResult[] = [];
      for (const design of DESIGNS) {
        if (stopping.aborted) break;
        banner(`${phase} against the ${design} design`);
        const chaos = await run(design);
        const { fromMs, toMs } = chaos.faultWindow;
        const answers = chaos.run.shopAnswers;
        const during = answers.filter((a) => a.sentAtMs >= fromMs && a.sentAtMs <= toMs);
        const held = invariants(chaos.dir);
        designs.push({
          design,
          windows: [
            { name: 'whole run', figures: answerFigures(answers) },
            { name: 'during the fault', figures: answerFigures(during) },
          ],
          kept: null,
          stock: chaos.run.sale.stock,
          invariantsHeld: held.held,
          broken: held.broken,
          runDir: chaos.dir,
        });
      }
      phases.push({ phase, what, designs });
    }
  }

  const dir = path.join(repoRoot(), '.cache', 'compare');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `compare-${startedAt.toISOString().replace(/[-:]/g, '').slice(0, 15)}.json`,
  );
  const report: CompareReport = {
    commit,
    startedAt: startedAt.toISOString(),
    invocation,
    phases,
    file,
  };
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
