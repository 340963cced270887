/**
 * One run of a scenario, start to end:
 *
 *  1. vegeta (installed on first use), buyers with dev tokens, the scenario's setup;
 *  2. the stages, in order (a search stage runs its steps and saves what it found);
 *  3. once the shop is quiet, the replays that find ambiguous answers (ambiguity.ts);
 *  4. the saga wait (settle.ts), the business checks (checks.ts) and the verifier's judgement
 *     of the run's sale across Redis, every database and Kafka (npm run verify);
 *  5. the generator's ceiling: the same stages against a bare node:http server;
 *  6. figures (vegeta report), thresholds, the summary, `summary.json`, `results.json` and
 *     `plot.html` in `.cache/load/<run-id>/`.
 *
 * From the first stage against the shop until the verifier is done, the shop's state is sampled
 * every 500 ms (timeseries.ts): `timeseries.json` and its charts (charts.ts) join the files.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  VEGETA_VERSION,
  ensureVegeta,
  isPortOpen,
  localKafkaAdmin,
  localTarget,
  renderReport,
  repoRoot,
  type VerifyReport,
  verify,
  waitSagaIdle,
} from './infra';
import { type Child, startChild } from '../bench/children';
import { cpuSnapshot } from '../bench/cpu';
import { type Sale, ShopApi } from '../bench/shop-api';
import {
  type AmbiguitySummary,
  type ReplayRecord,
  replayPlan,
  summarizeReplays,
} from './ambiguity';
import { type AttackResult, attack } from './attack';
import { type ChartMark, type RunChart, runCharts } from './charts';
import { type Check, type CheckInput } from './checks';
import { generatorVerdict } from './ceiling';
import { GENERATOR_LABEL, type StageCpu, answeredCount, stageCpu } from './cpu';
import { type Reporter, type StageFigures, stageFigures } from './figures';
import { type CommonOptions, type OptionValues } from './options';
import { OUTCOME_LABELS } from './outcomes';
import { type ReplayItem, replayAll, settleByOrderList } from './replay';
import { type Answer, plotLines } from './results';
import { type Scenario, checksOf } from './scenario';
import { type KnownOrder, type Settled, settle } from './settle';
import { Buyers, waitQuiet } from './shop';
import {
  type FixedStage,
  type Found,
  type SearchStage,
  type Segment,
  type Stage,
  amount,
  constant,
  segmentsOf,
  usersFor,
} from './stages';
import {
  type SearchResult,
  type SearchStep,
  judgeStep,
  nextSearchRate,
  searchResult,
} from './step-search';
import * as summary from './summary';
import { idempotencyKey, purchaseTarget, targetLine } from './targets';
import { type ThresholdResult, evaluateThresholds } from './thresholds';
import {
  type Sampler,
  type TimeSeries,
  SAMPLE_EVERY_MS,
  shopProbes,
  startSampler,
} from './timeseries';
import { type TrendRow, shipTrend } from './trend';
import { vegetaPlot, vegetaReporter } from './vegeta-cli';

type Log = (line: string) => void;

/** Ports of the bare servers a run starts (the bench uses 3180–3183 and 3190). */
const NODE_CEILING_PORT = 3196;
const FASTIFY_PORT = 3197;
const MAX_USERS = 50_000;

export interface SearchRun {
  readonly stage: string;
  readonly target: string;
  readonly saveAs: string;
  readonly p99Ms: number;
  readonly steps: ReadonlyArray<SearchStep & { readonly figures: StageFigures }>;
  readonly result: SearchResult;
}

export interface CeilingRow {
  readonly stage: string;
  readonly shop: StageFigures | null;
  readonly ceiling: StageFigures | null;
  /** The generator was below its ceiling: the shop's figure for this stage counts. */
  readonly counts: boolean;
  readonly why: string;
}

export interface RunReport {
  readonly ok: boolean;
  readonly dir: string;
  readonly runId: string;
  readonly sale: Sale;
  /** Every answer the shop gave during the stages (not the replays, not the ceiling). */
  readonly shopAnswers: readonly Answer[];
  /** The shop's state from the first stage against it until the verifier was done. */
  readonly timeseries: TimeSeries | null;
  /** Every order a buyer was told about (202s of the load, the replays, the setup). */
  readonly orders: readonly KnownOrder[];
  /** The saga wait: what each of those orders became, and which could not be read. */
  readonly settled: Settled;
  /** The business checks, the verifier's verdict last (VERIFIER_CHECK). */
  readonly checks: readonly Check[];
  readonly thresholds: readonly ThresholdResult[];
  /** The verifier's whole report on the run's sale; null with --no-verify. */
  readonly verified: VerifyReport | null;
}

/** The name of the check that carries the verifier's verdict. */
export const VERIFIER_CHECK = 'verifier (Redis, every database, Kafka)';

/** What a caller may hook into a run (a chaos experiment injects its fault from here). */
export interface RunHooks {
  /** A stage against the shop starts sending, now; the run's sale is `saleId`. */
  readonly onShopStageStart?: (stage: string, saleId: string) => void;
  /**
   * Moments to mark on the run's charts (a chaos fault and its repair), asked for when they are
   * drawn, after the verifier; it may wait until the last of them is known.
   */
  readonly chartMarks?: () => Promise<readonly ChartMark[]>;
}

/** An attack, and the CPU the machine spent over it (per process group). */
type MeasuredAttack = AttackResult & { readonly cpu: StageCpu };

type RunAttack = (
  series: string,
  base: string,
  stage: string,
  segments: readonly Segment[],
  users: number,
) => Promise<MeasuredAttack>;

/**
 * This process parses every answer vegeta sends back and reaps the vegeta processes, whose CPU
 * then moves into its children counters (load-tests/bench/cpu.ts): it is the load generator too.
 */
const CPU_LABELS: ReadonlyMap<number, string> = new Map([[process.pid, GENERATOR_LABEL]]);

/** A stage's CPU window: open from now, opened again by `start`, closed by `stop`. */
function cpuMeter(): { start: () => void; stop: (answers: number) => StageCpu } {
  let before = cpuSnapshot(CPU_LABELS);
  let t0 = process.hrtime.bigint();
  return {
    start: () => {
      before = cpuSnapshot(CPU_LABELS);
      t0 = process.hrtime.bigint();
    },
    stop: (answers) => {
      const after = cpuSnapshot(CPU_LABELS);
      const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
      return stageCpu(before, after, wallSec, answers, os.cpus().length);
    },
  };
}

/** The stages as run, for the ceiling: each with the segments it was given. */
interface Ran {
  readonly stage: Stage;
  readonly segments: readonly Segment[];
  readonly users: number;
}

function runStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export async function runScenario(
  scenario: Scenario,
  o: OptionValues<Scenario['options']> & CommonOptions,
  log: Log,
  hooks: RunHooks = {},
): Promise<RunReport> {
  const sampling: Sampling = { sampler: null };
  try {
    return await runSampled(scenario, o, log, hooks, sampling);
  } finally {
    // Also when the run fails half-way: the sampler holds connections to Kafka, Redis, Postgres.
    await sampling.sampler?.stop();
  }
}

/** The run's sampler, started by its first stage against the shop; stopping it twice is fine. */
interface Sampling {
  sampler: Sampler | null;
}

async function runSampled(
  scenario: Scenario,
  o: OptionValues<Scenario['options']> & CommonOptions,
  log: Log,
  hooks: RunHooks,
  sampling: Sampling,
): Promise<RunReport> {
  const root = repoRoot();
  const startedAt = new Date();
  const runId = `${scenario.name}-${runStamp(startedAt)}`;
  const runKey = `L${startedAt.getTime().toString(36)}`;
  const dir = path.join(root, '.cache', 'load', runId);
  const targetsDir = path.join(dir, 'targets');
  fs.mkdirSync(dir, { recursive: true });

  log(`${scenario.name}: run ${runId} against ${o.url}, code ${gitCommit()}`);
  const vegeta = await ensureVegeta(log, { root });
  const report = vegetaReporter(vegeta);
  const api = new ShopApi(o.url);

  log('');
  log('setup');
  const buyers = new Buyers(api, runKey, log);
  const adminToken = await api.devToken(`${runKey}-admin`, 'admin');
  await buyers.ensure(scenario.initialUsers(o));
  const setup = await scenario.setup({ api, adminToken, buyers, runKey, log }, o);
  const sale = setup.sale;

  // Every request of the run, by index: the buyer who sends it (its token and key follow).
  const userOfRequest: number[] = [];

  const shopAnswers: Answer[] = [];
  const allAnswers: Answer[] = [];
  const fixedFigures: StageFigures[] = [];
  const searches: SearchRun[] = [];
  const ran: Ran[] = [];
  const found: Record<string, number> = {};
  let fastify: Child | null = null;
  // When the first stage against the shop started sending: 0 s on the charts.
  let loadStartedAtMs: number | null = null;

  // The saga's backlog from an earlier stage (or run) would compete with the stage about to be
  // measured: each stage against the shop starts once every consumer group's lag is 0.
  const kafka = o.noIdleWait ? null : localKafkaAdmin(`load-${runId}`);
  await kafka?.connect();
  const runAttack = async (
    series: string,
    base: string,
    stageName: string,
    segments: readonly Segment[],
    users: number,
    record = true,
  ): Promise<MeasuredAttack> => {
    if (kafka && series === 'shop') await waitSagaIdle(kafka, o.idleTimeout, log);
    await buyers.ensure(users);
    if (series === 'shop' && record)
      sampling.sampler ??= startSampler(shopProbes(sale.id, `load-sampler-${runId}`));
    let next = 0;
    // Around the timetable only: minting buyers and writing target files are not the stage's.
    const meter = cpuMeter();
    const attacked = await attack({
      vegeta,
      series,
      stage: stageName,
      segments,
      targets: (_segment, count) => {
        const lines: string[] = [];
        for (let i = 0; i < count; i++) {
          const user = next++ % users;
          const index = userOfRequest.push(user) - 1;
          lines.push(
            targetLine(
              purchaseTarget(base, sale.id, {
                index,
                token: buyers.token(user),
                idempotencyKey: idempotencyKey(runKey, index),
              }),
            ),
          );
        }
        return lines;
      },
      dir: targetsDir,
      timeoutSec: o.timeout,
      log,
      progress: record,
      onStart: () => {
        meter.start();
        if (series === 'shop' && record) {
          loadStartedAtMs ??= Date.now();
          hooks.onShopStageStart?.(stageName, sale.id);
        }
      },
    });
    const result = { ...attacked, cpu: meter.stop(answeredCount(attacked.answers)) };
    if (!record) return result;
    for (const a of result.answers) {
      allAnswers.push(a);
      if (series === 'shop') shopAnswers.push(a);
    }
    return result;
  };
  // A bare server just started is cold (JIT): 2 s of 500 req/s, not counted, before it is measured.
  const startWarm = async (kind: 'node' | 'fastify', port: number): Promise<Child> => {
    const server = await startBareServer(root, dir, kind, port);
    log(`  started bare ${kind} as pid ${server.pid} on :${port}; warming it up for 2 s`);
    const warm = segmentsOf(constant('warm-up', 500, 2), {});
    await runAttack('warm-up', `http://127.0.0.1:${port}`, 'warm-up', warm, 500, false);
    return server;
  };

  try {
    for (const stage of scenario.stages(o)) {
      log('');
      if (stage.kind === 'search') {
        let base = o.url;
        let series = 'shop';
        if (stage.target === 'fastify') {
          fastify ??= await startWarm('fastify', FASTIFY_PORT);
          base = `http://127.0.0.1:${FASTIFY_PORT}`;
          series = 'fastify';
        }
        const run = await runSearch(
          stage,
          series,
          base,
          found,
          scenario.initialUsers(o),
          runAttack,
          report,
          log,
        );
        searches.push(run);
        found[stage.saveAs] = run.result.held ?? 0;
        const maxTried = Math.max(...run.steps.map((s) => s.rate));
        if (series === 'shop' && run.steps.length > 0)
          ran.push({
            stage,
            segments: segmentsOf(
              constant(`${stage.name} (highest step)`, maxTried, stage.stepSec),
              found,
            ),
            users: usersFor(
              stage,
              segmentsOf(constant('x', maxTried, stage.stepSec), found),
              scenario.initialUsers(o),
              MAX_USERS,
            ),
          });
        continue;
      }
      const segments = segmentsOf(stage, found);
      const users = usersFor(stage, segments, scenario.initialUsers(o), MAX_USERS);
      log(
        `stage ${summary.describeStage(stage, segments, found)}, over ${users.toLocaleString('en-US')} buyers`,
      );
      const result = await runAttack('shop', o.url, stage.name, segments, users);
      const figures = {
        ...(await stageFigures('shop', stage, segments, result.answers, report)),
        cpu: result.cpu,
      };
      fixedFigures.push(figures);
      ran.push({ stage, segments, users });
      log(summary.stageDoneLine(figures, result));
    }
  } finally {
    if (fastify) await fastify.stop();
    await kafka?.disconnect();
  }

  // --- after the load: replays, the saga, the checks -------------------------------------
  log('');
  log('after the load');
  await waitQuiet(api, sale.id, 30, log);
  const plan = replayPlan(shopAnswers, {
    max: o.replayMax,
    refusalSample: o.replayRefusals,
    random: Math.random,
  });
  log(
    `  replaying ${plan.unsettledReplayed.toLocaleString('en-US')} unsettled answers (5xx, no answer) ` +
      `and ${plan.refusalsReplayed.toLocaleString('en-US')} of ${plan.refusals.toLocaleString('en-US')} refusals, ` +
      'with the same token, body and Idempotency-Key',
  );
  const items: ReplayItem[] = plan.replay.map((a) => ({
    original: a,
    user: userOfRequest[a.index],
    token: buyers.token(userOfRequest[a.index]),
    key: idempotencyKey(runKey, a.index),
  }));
  const replied = await replayAll(items, { base: o.url, saleId: sale.id, log });
  const listing = await settleByOrderList(replied, { base: o.url, saleId: sale.id });
  const replays = listing.records;
  if (listing.available === true)
    log(
      `  settled ${replays.filter((r) => r.listed).length} unproven replays by the buyers' order lists`,
    );
  else if (listing.available === false)
    log(
      '  GET /api/users/me/orders?saleId= is not served: replays answered SOLD_OUT by the ' +
        'fast path prove nothing (the stock check still counts every unit)',
    );
  const records: ReplayRecord[] = replays.map((r) => ({
    original: r.item.original,
    replay: r.replay,
    cls: r.cls,
    listed: r.listed,
  }));
  const ambiguity: AmbiguitySummary = summarizeReplays(plan, records);

  const known: KnownOrder[] = [...(setup.orders ?? [])];
  let malformed202 = 0;
  for (const a of shopAnswers) {
    if (a.outcome !== 'accepted') continue;
    if (!a.orderId) {
      malformed202++;
      continue;
    }
    const user = userOfRequest[a.index];
    known.push({
      orderId: a.orderId,
      user,
      token: buyers.token(user),
      index: a.index,
      answeredAtMs: a.sentAtMs + a.latencyNs / 1e6,
      via: 'load',
    });
  }
  for (const r of replays)
    if (r.orderId)
      known.push({
        orderId: r.orderId,
        user: r.item.user,
        token: r.item.token,
        index: r.item.original.index,
        answeredAtMs: r.replay.sentAtMs,
        via: 'replay',
      });

  log(
    `  waiting for the saga to settle ${new Set(known.map((k) => k.orderId)).size.toLocaleString('en-US')} accepted orders (up to ${o.settleTimeout} s)`,
  );
  const settled: Settled = await settle(o.url, sale, known, { timeoutSec: o.settleTimeout, log });
  const checkInput: CheckInput = { sale, orders: known, malformed202, settled, ambiguity };
  const checks: Check[] = checksOf(scenario).map((c) => c(checkInput));

  // The same run, judged from the inside: Redis, every service's database and Kafka.
  let verified: VerifyReport | null = null;
  if (!o.noVerify) {
    log('');
    log(
      `verify: every invariant of the brief for sale ${sale.id} (npm run verify -- --sale ${sale.id})`,
    );
    verified = await verify(
      localTarget(),
      { saleId: sale.id, timeoutMs: o.settleTimeout * 1000 },
      log,
    );
    for (const line of renderReport(verified).split('\n')) log(`  ${line}`);
    checks.push({
      name: VERIFIER_CHECK,
      ok: verified.ok,
      detail: verified.ok
        ? `every rule holds for ${verified.orders.toLocaleString('en-US')} orders`
        : `broken: ${verified.results
            .filter((r) => r.verdict === 'FAIL')
            .map((r) => r.rule)
            .join(', ')}`,
    });
  }
  const timeseries = (await sampling.sampler?.stop()) ?? null;

  // --- the generator's ceiling: the same stages against bare node:http ---------------------
  const ceilingRows: CeilingRow[] = [];
  if (!o.noCeiling && ran.length > 0) {
    log('');
    log(
      `generator ceiling: the same stages against a bare node:http server (infra/bench/ceiling-server.ts)`,
    );
    const server = await startWarm('node', NODE_CEILING_PORT);
    try {
      for (const r of ran) {
        const result = await runAttack(
          'node:http',
          `http://127.0.0.1:${NODE_CEILING_PORT}`,
          r.stage.name,
          r.segments,
          r.users,
        );
        const ceiling = {
          ...(await stageFigures('node:http', r.stage, r.segments, result.answers, report)),
          cpu: result.cpu,
        };
        const shop = fixedFigures.find((f) => f.stage === r.stage.name) ?? null;
        ceilingRows.push({
          stage: r.stage.name,
          shop,
          ceiling,
          ...generatorVerdict(shop, ceiling),
        });
      }
    } finally {
      await server.stop();
    }
  } else {
    for (const f of fixedFigures)
      ceilingRows.push({ stage: f.stage, shop: f, ceiling: null, ...generatorVerdict(f, null) });
  }

  // --- figures, thresholds, files --------------------------------------------------------
  const thresholds: ThresholdResult[] = evaluateThresholds(
    scenario.thresholds(o),
    fixedFigures,
    { ambiguous: ambiguity.ambiguous },
    found,
  );
  const trend: TrendRow[] | null = scenario.shipTrendWindowSec
    ? shipTrend(
        known,
        settled.orders,
        shopAnswers.reduce((t, a) => Math.min(t, a.sentAtMs), Date.now()),
        scenario.shipTrendWindowSec,
      )
    : null;
  const lowerBound = (key: string): boolean =>
    searches.some((x) => x.saveAs === key && x.result.generatorBoundAt !== null);
  const ratios = (scenario.ratios ?? []).map((r) => ({
    name: r.name,
    numeratorIsLowerBound: lowerBound(r.numerator),
    denominatorIsLowerBound: lowerBound(r.denominator),
    numerator: found[r.numerator] ?? 0,
    denominator: found[r.denominator] ?? 0,
    value: found[r.denominator] ? (found[r.numerator] ?? 0) / found[r.denominator] : null,
  }));

  const resultsFile = path.join(dir, 'results.json');
  fs.writeFileSync(resultsFile, `${plotLines(allAnswers, (a) => a.series).join('\n')}\n`);
  const plotFile = path.join(dir, 'plot.html');
  await vegetaPlot(vegeta, resultsFile, plotFile, `${scenario.name} ${runId}`);
  fs.rmSync(targetsDir, { recursive: true, force: true }); // they hold the buyers' tokens

  let timeseriesFile: string | null = null;
  const charts: Array<RunChart & { readonly path: string }> = [];
  if (timeseries && loadStartedAtMs !== null) {
    const t0 = loadStartedAtMs;
    timeseriesFile = path.join(dir, 'timeseries.json');
    fs.writeFileSync(
      timeseriesFile,
      `${JSON.stringify(
        {
          sale: { id: sale.id, stock: sale.stock },
          loadStartedAt: new Date(t0).toISOString(),
          loadStartedAtMs: t0,
          ...timeseries,
        },
        null,
        2,
      )}\n`,
    );
    const marks = (await hooks.chartMarks?.()) ?? [];
    for (const chart of runCharts({
      title: runId,
      t0,
      answers: shopAnswers,
      series: timeseries,
      stock: sale.stock,
      marks,
    })) {
      const file = path.join(dir, chart.file);
      fs.writeFileSync(file, chart.svg);
      charts.push({ ...chart, path: file });
    }
  }

  const ok = checks.every((c) => c.ok) && thresholds.every((t) => t.ok);
  const summaryFile = path.join(dir, 'summary.json');
  fs.writeFileSync(
    summaryFile,
    `${JSON.stringify(
      {
        scenario: scenario.name,
        runId,
        ok,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        // A figure names the code it measured: a run of a dirty tree is marked so.
        commit: gitCommit(),
        options: o,
        vegeta: { binary: vegeta, version: VEGETA_VERSION },
        sale: { id: sale.id, stock: sale.stock, perUserLimit: sale.perUserLimit },
        stages: fixedFigures,
        searches,
        found,
        ratios,
        ceiling: ceilingRows,
        replay: ambiguity,
        settle: {
          settled: settled.settled,
          waitedSec: settled.waitedSec,
          kept: settled.kept,
          released: settled.released,
          remaining: settled.remaining,
          inFlight: settled.inFlight,
          problems: settled.problems.slice(0, 20),
        },
        checks,
        verify: verified,
        thresholds,
        trend,
        files: {
          results: resultsFile,
          plot: plotFile,
          timeseries: timeseriesFile,
          charts: Object.fromEntries(charts.map((c) => [c.name, c.path])),
        },
      },
      null,
      2,
    )}\n`,
  );

  log('');
  for (const line of summary.report({
    figures: fixedFigures,
    searches,
    ratios,
    ceiling: ceilingRows,
    ambiguity,
    checks,
    thresholds,
    trend,
    noCeiling: o.noCeiling,
    shedding: scenario.reportShedding,
  }))
    log(line);
  log('');
  log(`files: ${path.relative(process.cwd(), summaryFile)}`);
  log(`       ${path.relative(process.cwd(), plotFile)}  (latency over time, vegeta plot)`);
  log(
    `       ${path.relative(process.cwd(), resultsFile)}  (every answer; vegeta report ${path.relative(process.cwd(), resultsFile)})`,
  );
  if (timeseriesFile)
    log(
      `       ${path.relative(process.cwd(), timeseriesFile)}  (the shop every ${SAMPLE_EVERY_MS} ms: consumer lag, rows written, stock)`,
    );
  for (const c of charts) log(`       ${path.relative(process.cwd(), c.path)}  (${c.what})`);
  return {
    ok,
    dir,
    runId,
    sale,
    shopAnswers,
    timeseries,
    orders: known,
    settled,
    checks,
    thresholds,
    verified,
  };
}

async function startBareServer(
  root: string,
  dir: string,
  kind: 'node' | 'fastify',
  port: number,
): Promise<Child> {
  if (await isPortOpen('127.0.0.1', port))
    throw new Error(`port ${port} is in use; the run starts its own ${kind} server there`);
  return startChild({
    label: `bare ${kind} server`,
    cmd: process.execPath,
    args: [
      '-r',
      '@swc-node/register',
      path.join(root, 'infra', 'bench', 'ceiling-server.ts'),
      '--port',
      String(port),
      '--kind',
      kind,
    ],
    env: process.env,
    cwd: root,
    logFile: path.join(dir, `${kind}-server.log`),
    readyUrl: `http://127.0.0.1:${port}/`,
    timeoutMs: 30_000,
  });
}

async function runSearch(
  stage: SearchStage,
  series: string,
  base: string,
  found: Found,
  initialUsers: number,
  runAttack: RunAttack,
  report: Reporter,
  log: Log,
): Promise<SearchRun> {
  const policy = {
    startRate: amount(stage.startRate, found),
    maxRate: stage.maxRate,
    factor: stage.factor ?? 2,
    precision: stage.precision ?? 1.15,
    maxSteps: stage.maxSteps ?? 10,
  };
  log(
    `stage ${stage.name}: step search against ${series === 'shop' ? `the shop (${base})` : `bare ${series} (${base})`}: ` +
      `the highest arrival rate with p99 ≤ ${stage.p99Ms} ms and every answer ${stage.expect.map((e) => OUTCOME_LABELS[e]).join(' or ')}; ` +
      `${stage.stepSec} s steps from ${policy.startRate}/s`,
  );
  const steps: Array<SearchStep & { figures: StageFigures }> = [];
  for (
    let rate = nextSearchRate(policy, steps);
    rate !== null;
    rate = nextSearchRate(policy, steps)
  ) {
    const step: FixedStage = constant(`${stage.name} ${rate}/s`, rate, stage.stepSec, stage.users);
    const segments = segmentsOf(step, found);
    const users = usersFor(stage, segments, initialUsers, MAX_USERS);
    const result = await runAttack(series, base, step.name, segments, users);
    const figures = {
      ...(await stageFigures(series, step, segments, result.answers, report)),
      cpu: result.cpu,
    };
    const unexpected = new Map<string, number>();
    for (const a of result.answers)
      if (!stage.expect.includes(a.outcome))
        unexpected.set(
          OUTCOME_LABELS[a.outcome],
          (unexpected.get(OUTCOME_LABELS[a.outcome]) ?? 0) + 1,
        );
    const verdict = judgeStep(
      {
        intended: figures.intended,
        sent: figures.sent,
        unexpected,
        p99Ms: figures.groups.all.latency?.p99 ?? null,
      },
      stage.p99Ms,
    );
    steps.push({ rate, ...verdict, figures });
    log(`  ${rate.toLocaleString('en-US')} req/s: ${verdict.verdict} (${verdict.reason})`);
    await new Promise((resolve) => setTimeout(resolve, (stage.pauseSec ?? 2) * 1000));
  }
  const result = searchResult(steps);
  log(`  ${stage.name}: ${result.text}`);
  return {
    stage: stage.name,
    target: series,
    saveAs: stage.saveAs,
    p99Ms: stage.p99Ms,
    steps,
    result,
  };
}

/** HEAD of the repository, with "-dirty" when the working tree has uncommitted changes. */
export function gitCommit(): string {
  try {
    const run = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
    const head = run('rev-parse', '--short=12', 'HEAD');
    return run('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}-dirty`;
  } catch {
    return 'unknown';
  }
}
