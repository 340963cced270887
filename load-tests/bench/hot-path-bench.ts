/**
 * `npm run bench -- hot-path`: every figure of the design brief's "Performance targets" for the
 * hot path, measured in one run on this machine with one load driver (driver.ts):
 *
 *   1. HTTP ceiling     a bare Node http server (ceiling-server.ts), same requests as below
 *   2. sold out         the gateway's local sold-out fast path (a sale whose one unit is gone)
 *   3. rate limited     a gateway with a tiny global bucket: every request is a Redis Lua 429
 *   4. accepted         a sale with huge stock and generous limits, stepping the connections to
 *                       find the knee; through gateway → order-service → Redis Lua → Kafka
 *   5. Redis ceiling    redis-benchmark EVALSHA of the admission script (and the token bucket)
 *   6. Postgres ceiling pgbench of the conditional-decrement transaction, scratch database
 *
 * The bench starts its own gateway processes from the compiled shop (dist/) on spare ports, with
 * the rate limits each run needs; they forward to the shop's order-service, which must be running
 * (`npm run shop -- --detach`). Every child is stopped by its pid.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  infraEndpoints,
  runningKafkaBrokers,
  HOST,
  POSTGRES_PASSWORD,
  POSTGRES_PORT,
  POSTGRES_USER,
  REDIS_PORT,
  repoRoot,
  SERVICE_NAMES,
  serviceEnv,
  serviceSpec,
  httpGet,
  measurePgCeiling,
  type RedisCeiling,
  measureScript,
} from '../engine/infra';
import type { BenchOptions } from './args';
import { type Child, sleep, startChild, stopAllChildren } from './children';
import {
  cpuPerRequestUs,
  cpuShares,
  cpuSnapshot,
  disturbance,
  formatCpuShares,
  type CpuSnapshot,
} from './cpu';
import { formatProfileSummary, summarizeProfile, type CpuProfile } from './cpuprofile';
import { type Phase, type PhaseResult, type RequestSpec, drive } from './driver';
import { gitCommit } from './git-commit';
import { counterDeltas, fetchMetrics } from './prom';
import { admissionBench, tokenBucketBench } from './redis-scripts';
import { type BenchReport, type HttpFigure, type Machine, zeroCounts } from './report';
import { openSale, ShopApi, type Sale } from './shop-api';
import { OUTCOMES, type Outcome } from './stats';

type Log = (line: string) => void;

export const PORTS = {
  ceiling: 3190,
  gateway: 3180,
  gatewayTinyRate: 3181,
  profiledGateway: 3182,
  profiledOrderService: 3183,
};

/** The bench gateway's limits: generous enough that the buckets never bind. */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_GLOBAL_RATE: '1000000',
  RATE_LIMIT_GLOBAL_BURST: '1000000',
  RATE_LIMIT_USER_RATE: '100000',
  RATE_LIMIT_USER_BURST: '100000',
};
/** The rate-limited run's gateway: one request a second per sale passes, the rest are 429. */
export const TINY_GLOBAL_LIMIT = {
  ...GENEROUS_LIMITS,
  RATE_LIMIT_GLOBAL_RATE: '1',
  RATE_LIMIT_GLOBAL_BURST: '1',
};

export async function runHotPathBench(
  opts: BenchOptions,
  command: string,
  log: Log,
): Promise<BenchReport> {
  const root = repoRoot();
  const runDir = path.join(root, '.data', 'bench', new Date().toISOString().replace(/[:.]/g, '-'));
  fs.mkdirSync(runDir, { recursive: true });
  const endpoints = infraEndpoints(runningKafkaBrokers() ?? 1);
  const notes: string[] = [];
  const cpuLabels = new Map<number, string>([[process.pid, 'load driver']]);
  /** What each process uses with no load (subtracted in the CPU-per-request column). */
  let idleShares: Array<{ label: string; percent: number }> = [];

  const report: {
    -readonly [K in keyof BenchReport]: BenchReport[K];
  } = {
    date: new Date().toISOString(),
    commit: gitCommit(root),
    command,
    machine: machineInfo(),
    ceiling: null,
    framework: null,
    soldOut: null,
    rateLimited: null,
    accepted: [],
    redis: [],
    postgres: null,
    gatewayEnv: GENEROUS_LIMITS,
    profile: null,
    notes,
  };
  log(`hot-path benchmark; logs and results in ${path.relative(root, runDir)}/`);
  log(
    `machine: ${report.machine.cpus} CPUs, ${report.machine.memGiB.toFixed(1)} GiB, node ${report.machine.node}`,
  );

  try {
    if (opts.waitQuietSec > 0) await waitQuiet(opts.waitQuietSec);
    const idleBefore = cpuSnapshot(cpuLabels);
    await sleep(3000);
    idleShares = cpuShares(idleBefore, cpuSnapshot(cpuLabels), 3);
    const idle = formatCpuShares(idleShares, 1);
    log(`background CPU before the run (3 s, nothing sent): ${idle}`);
    notes.push(`background CPU before the run (3 s, no load): ${idle}`);
    if (!opts.skip.has('http')) await httpPart();
    if (!opts.skip.has('redis')) {
      log('');
      log('Redis ceiling (redis-benchmark, EVALSHA, the shop Redis, scratch keys):');
      const redisOpts = { host: HOST, port: REDIS_PORT, clients: 50, requests: 50_000, log };
      const results: RedisCeiling[] = [];
      for (const [bench, requests] of [
        [admissionBench(), 50_000],
        [tokenBucketBench(), 100_000],
      ] as const) {
        const { value, mark } = await watched(bench.name, () =>
          measureScript(bench, { ...redisOpts, requests }),
        );
        results.push({ ...value, name: value.name + mark });
      }
      for (const r of results)
        log(`  ${r.name}: ${r.rps.toFixed(0)} ops/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
      report.redis = results;
    }
    if (!opts.skip.has('postgres')) {
      log('');
      log('Postgres ceiling (pgbench, conditional decrement + reservation, scratch database):');
      const { value: pg } = await watched('postgres ceiling', () =>
        measurePgCeiling({
          conn: {
            host: HOST,
            port: POSTGRES_PORT,
            user: POSTGRES_USER,
            password: POSTGRES_PASSWORD,
          },
          clients: 8,
          threads: 2,
          durationSec: Math.max(5, opts.stepSec),
          log,
        }),
      );
      log(
        `  ${pg.tps.toFixed(0)} tps, p50 ${pg.p50Ms.toFixed(2)} ms, p99 ${pg.p99Ms.toFixed(2)} ms`,
      );
      report.machine = { ...report.machine, postgres: pg.serverVersion };
      report.postgres = pg;
    }
  } finally {
    await stopAllChildren();
  }
  fs.writeFileSync(path.join(runDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;

  /**
   * Waits for 5 s in which processes outside the shop used at most 10 % of a core and no shop
   * service more than 10 % (a service still draining the last run's backlog is not at rest).
   */
  async function waitQuiet(maxSec: number): Promise<void> {
    const deadline = Date.now() + maxSec * 1000;
    for (;;) {
      const before = cpuSnapshot(cpuLabels);
      await sleep(5000);
      const shares = cpuShares(before, cpuSnapshot(cpuLabels), 5);
      // Outsiders under 10 % of a core, and no shop service busy (e.g. draining a backlog).
      const busyService = shares.find(
        (x) => (SERVICE_NAMES as readonly string[]).includes(x.label) && x.percent > 10,
      );
      const busy =
        disturbance(shares) ??
        (busyService ? `${busyService.label} ${busyService.percent.toFixed(0)}%` : null);
      if (!busy) return;
      if (Date.now() > deadline) {
        log(`  the machine did not get quiet within ${maxSec} s (${busy}); measuring anyway`);
        notes.push(`the machine was not quiet when the run started (${busy})`);
        return;
      }
      log(`  waiting for a quiet machine: ${busy}`);
    }
  }

  /** Runs a ceiling measurement; notes it († ...) when outsiders used the CPU meanwhile. */
  async function watched<T>(
    label: string,
    fn: () => Promise<T>,
  ): Promise<{ value: T; mark: string }> {
    const before = cpuSnapshot(cpuLabels);
    const t0 = process.hrtime.bigint();
    const value = await fn();
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const disturbed = disturbance(cpuShares(before, cpuSnapshot(cpuLabels), elapsed), idleShares);
    if (!disturbed) return { value, mark: '' };
    notes.push(
      `† ${label}: disturbed by processes outside the bench (${disturbed}); a lower bound`,
    );
    log(`  † disturbed: ${disturbed}`);
    return { value, mark: ' †' };
  }

  async function httpPart(): Promise<void> {
    const order = await httpGet(`${opts.orderServiceUrl}/health/ready`, 3000);
    if (order.status !== 200)
      throw new Error(
        `order-service is not ready at ${opts.orderServiceUrl} (${order.status ?? order.error}); start the shop: npm run shop -- --detach`,
      );
    const entry = path.join(root, serviceSpec('gateway').entry);
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run compile`);

    log('');
    log(
      `starting the bench gateway on :${PORTS.gateway} (generous limits) → ${opts.orderServiceUrl}`,
    );
    const gateway = await startGateway(PORTS.gateway, GENEROUS_LIMITS, 'gateway-bench');
    cpuLabels.set(gateway.pid, 'gateway (bench)');
    const base = `http://${HOST}:${PORTS.gateway}`;
    const api = new ShopApi(base);
    const runId = Date.now().toString(36);
    const admin = await api.devToken(`bench-admin-${runId}`, 'admin');
    const t0 = Date.now();
    const userIds = Array.from({ length: opts.users }, (_, i) => `bench-${runId}-${i}`);
    const tokens = await api.devTokens(userIds, 32);
    log(`  ${tokens.length} user tokens in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const soldOutSale = await openSale(api, admin, `bench sold-out ${runId}`, 1, 1);
    const first = await api.placeOrder(tokens[0], soldOutSale.id);
    const second = await api.placeOrder(tokens[1 % tokens.length], soldOutSale.id);
    if (first.status !== 202 || second.status !== 409)
      throw new Error(
        `sold-out sale: expected 202 then 409, got ${first.status} then ${second.status} ${second.text}`,
      );
    const acceptedSale = await openSale(api, admin, `bench accepted ${runId}`, 10_000_000, 100);
    const limitedSale = await openSale(api, admin, `bench rate-limited ${runId}`, 10_000_000, 100);
    log(
      `  sales: sold out ${soldOutSale.id}, accepted ${acceptedSale.id}, rate-limited ${limitedSale.id}`,
    );

    const requests = (sale: Sale): (() => RequestSpec) => {
      const p = `/api/sales/${encodeURIComponent(sale.id)}/orders`;
      const auth = tokens.map((t) => `Bearer ${t}`);
      const body = JSON.stringify({ quantity: 1 });
      let seq = 0;
      return () => ({
        method: 'POST',
        path: p,
        headers: {
          authorization: auth[Math.floor(Math.random() * auth.length)],
          'content-type': 'application/json',
          'idempotency-key': `${runId}-${sale.id.slice(0, 8)}-${seq++}`,
        },
        body,
      });
    };

    // The ceiling servers answer the same requests (as for the sold-out run) on one port.
    const startCeiling = (kind: 'node' | 'fastify', label: string, logName: string) =>
      startChild({
        label,
        cmd: process.execPath,
        args: [
          '-r',
          '@swc-node/register',
          path.join(root, 'infra/bench/ceiling-server.ts'),
          '--port',
          String(PORTS.ceiling),
          ...(kind === 'fastify' ? ['--kind', 'fastify'] : []),
        ],
        env: process.env,
        cwd: root,
        logFile: path.join(runDir, logName),
        readyUrl: `http://${HOST}:${PORTS.ceiling}/`,
      });

    // 1. The HTTP ceiling: a bare node:http server.
    log('');
    log(`HTTP ceiling: bare node:http server on :${PORTS.ceiling}`);
    const ceilingServer = await startCeiling('node', 'ceiling server', 'ceiling-server.log');
    report.ceiling = await flatOut(
      'HTTP ceiling (bare node:http)',
      `http://${HOST}:${PORTS.ceiling}`,
      requests(soldOutSale),
      'ok',
    );
    await ceilingServer.stop();

    // 1b. For reference: the same on a bare Fastify route (the framework floor).
    log('');
    log(`framework floor (reference): bare Fastify route on :${PORTS.ceiling}`);
    const fastifyServer = await startCeiling('fastify', 'fastify floor', 'fastify-floor.log');
    report.framework = await flatOut(
      'framework floor (bare Fastify, reference)',
      `http://${HOST}:${PORTS.ceiling}`,
      requests(soldOutSale),
      'ok',
    );
    await fastifyServer.stop();

    // 2. Sold out: answered by the gateway's local sold-out set.
    log('');
    log('rejected path, sold out: the gateway answers 409 from its local sold-out set');
    report.soldOut = await flatOut(
      'sold out (gateway fast path)',
      base,
      requests(soldOutSale),
      'soldOut',
      'sold-out run',
    );

    // 3. Rate limited: a gateway whose global bucket holds one token a second.
    log('');
    log(
      `rejected path, rate limited: a gateway on :${PORTS.gatewayTinyRate} with a global bucket of 1/s`,
    );
    const tiny = await startGateway(
      PORTS.gatewayTinyRate,
      TINY_GLOBAL_LIMIT,
      'gateway-bench-tiny-rate',
    );
    cpuLabels.set(tiny.pid, 'gateway (bench)');
    const tinyUrl = `http://${HOST}:${PORTS.gatewayTinyRate}`;
    report.rateLimited = await flatOut(
      'rate limited (token buckets, Redis Lua)',
      tinyUrl,
      requests(limitedSale),
      'rateLimited',
      'rate-limited run (a second bench gateway with RATE_LIMIT_GLOBAL_RATE=1 RATE_LIMIT_GLOBAL_BURST=1: about one request a second passes, the rest get 429 from the token-bucket script)',
    );
    await tiny.stop();

    // 4. Accepted: step the connections, find the knee.
    log('');
    log(
      `accepted path: stock 10,000,000, perUserLimit 100, ${tokens.length} users; connections ${opts.acceptedSteps.join(', ')}`,
    );
    const acceptedRequests = requests(acceptedSale);
    await measure(
      [{ name: 'warm-up', connections: 8, rate: 0, durationSec: opts.warmupSec }],
      base,
      acceptedRequests,
    );
    const steps = opts.acceptedSteps.map((c): Phase => ({
      name: `accepted c=${c}`,
      connections: c,
      rate: 0,
      durationSec: opts.stepSec,
    }));
    const results = await measure(steps, base, acceptedRequests);
    report.accepted = results.map((r) => figure(r, 'accepted'));
    const after = await api.sale(acceptedSale.id);
    const acceptedTotal = results.reduce((a, r) => a + r.result.recorder.count('accepted'), 0);
    log(
      `  sale after the steps: remainingStock ${after.remainingStock} (${10_000_000 - after.remainingStock} sold)`,
    );
    notes.push(
      `accepted run: ${acceptedTotal} orders admitted in the measured steps; each one also flows through Kafka to inventory, payment, logistics and notification, which run on the same 2 CPUs while the steps run (see the CPU column)`,
    );
    await gateway.stop();

    if (opts.profile) await profileRuns(admin, tokens, runId, soldOutSale);
  }

  async function startGateway(
    port: number,
    limits: Record<string, string>,
    name: string,
    extra: string[] = [],
    upstream = opts.orderServiceUrl,
  ): Promise<Child> {
    const spec = serviceSpec('gateway');
    const env = {
      ...process.env,
      ...serviceEnv(spec, endpoints),
      ...limits,
      PORT: String(port),
      ORDER_SERVICE_URL: upstream,
    };
    return startChild({
      label: name,
      cmd: process.execPath,
      args: ['--enable-source-maps', ...extra, path.join(root, spec.entry)],
      env,
      cwd: root,
      logFile: path.join(runDir, `${name}.log`),
      readyUrl: `http://${HOST}:${port}/health/ready`,
    });
  }

  /** Warm-up, then one measured phase at opts.connections. */
  async function flatOut(
    name: string,
    url: string,
    next: () => RequestSpec,
    expected: Outcome,
    shedNotes?: string,
  ): Promise<HttpFigure> {
    await measure(
      [{ name: 'warm-up', connections: opts.connections, rate: 0, durationSec: opts.warmupSec }],
      url,
      next,
    );
    const metricsBefore = shedNotes ? await fetchMetrics(url) : null;
    // Nothing of the shop but the gateway under test works in these runs: the services' CPU
    // beyond their background is someone else's traffic.
    const [r] = await measure(
      [{ name, connections: opts.connections, rate: 0, durationSec: opts.stepSec }],
      url,
      next,
      ['other', 'load generator', 'unaccounted', ...SERVICE_NAMES],
    );
    const f = figure(r, expected);
    if (shedNotes) {
      const note = `${shedNotes}: ${shedNote(metricsBefore, await fetchMetrics(url), f)}`;
      log(`  ${note}`);
      notes.push(note);
    }
    return f;
  }

  /**
   * Runs phases and measures each. `outsiders`: the process groups that should be idle during
   * these phases (beyond their background), so that their CPU marks a run as disturbed.
   */
  async function measure(
    phases: Phase[],
    url: string,
    next: () => RequestSpec,
    outsiders: readonly string[] = ['other', 'load generator', 'gateway', 'unaccounted'],
  ): Promise<Measured[]> {
    const out: Measured[] = [];
    let before: CpuSnapshot = cpuSnapshot(cpuLabels);
    let t0 = 0n;
    await drive({
      url,
      phases,
      nextRequest: next,
      progress: log,
      beforePhase: () => {
        before = cpuSnapshot(cpuLabels);
        t0 = process.hrtime.bigint();
      },
      afterPhase: (result) => {
        const after = cpuSnapshot(cpuLabels);
        const shares = cpuShares(before, after, Number(process.hrtime.bigint() - t0) / 1e9);
        const cpu = formatCpuShares(shares);
        const cpuUs = cpuPerRequestUs(
          shares,
          result.recorder.answered / result.elapsedSec,
          idleShares,
        );
        const disturbed = disturbance(shares, idleShares, 10, outsiders);
        out.push({ result, cpu, cpuUs, disturbed });
        const all = result.recorder.all;
        log(
          `  ${result.phase.name}: ${(result.recorder.answered / result.elapsedSec).toFixed(0)} req/s, ` +
            `p50 ${all.percentile(50).toFixed(2)} ms, p99 ${all.percentile(99).toFixed(2)} ms; CPU: ${cpu}`,
        );
      },
    });
    return out;
  }

  /**
   * Where the time goes, profiled (`node --cpu-prof`, not a measured figure: profiling costs
   * time): a gateway on the sold-out fast path; then a second order-service instance and a gateway
   * in front of it on the accepted path. Each profile is written when its process exits and is
   * cut down to the samples of the measured phase (start-up and shutdown left out).
   */
  async function profileRuns(
    admin: string,
    tokens: readonly string[],
    runId: string,
    soldOutSale: Sale,
  ): Promise<void> {
    const dir = path.join(runDir, 'profiles');
    const request = (sale: Sale, tag: string): (() => RequestSpec) => {
      const p = `/api/sales/${encodeURIComponent(sale.id)}/orders`;
      let seq = 0;
      return () => ({
        method: 'POST',
        path: p,
        headers: {
          authorization: `Bearer ${tokens[Math.floor(Math.random() * tokens.length)]}`,
          'content-type': 'application/json',
          'idempotency-key': `${runId}-${tag}-${seq++}`,
        },
        body: '{"quantity":1}',
      });
    };
    const profileFlags = (sub: string): string[] => [
      '--cpu-prof',
      '--cpu-prof-dir',
      path.join(dir, sub),
    ];
    const gatewayUrl = `http://${HOST}:${PORTS.profiledGateway}`;
    const api = new ShopApi(gatewayUrl);

    log('');
    log(`profile 1/2: sold out, gateway on :${PORTS.profiledGateway} with --cpu-prof`);
    const soldOutGateway = await startGateway(
      PORTS.profiledGateway,
      GENEROUS_LIMITS,
      'gateway-profiled-sold-out',
      profileFlags('gateway-sold-out'),
    );
    cpuLabels.set(soldOutGateway.pid, 'gateway (profiled)');
    await api.placeOrder(tokens[0], soldOutSale.id); // teaches this gateway the sale is sold out
    const windows = new Map<string, { startUs: number; endUs: number }>();
    const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
    let startUs = nowUs();
    await measure(
      [
        {
          name: `profiled sold out c=${opts.connections}`,
          connections: opts.connections,
          rate: 0,
          durationSec: opts.stepSec,
        },
      ],
      gatewayUrl,
      request(soldOutSale, 'prof-so'),
    );
    windows.set('gateway-sold-out', { startUs, endUs: nowUs() });
    await soldOutGateway.stop(30_000);

    log('');
    log(
      `profile 2/2: accepted, order-service instance on :${PORTS.profiledOrderService} and gateway on :${PORTS.profiledGateway}, both with --cpu-prof`,
    );
    const osSpec = serviceSpec('order-service');
    const orderService = await startChild({
      label: 'order-service-profiled',
      cmd: process.execPath,
      args: [
        '--enable-source-maps',
        ...profileFlags('order-service'),
        path.join(root, osSpec.entry),
      ],
      env: {
        ...process.env,
        ...serviceEnv(osSpec, endpoints),
        PORT: String(PORTS.profiledOrderService),
      },
      cwd: root,
      logFile: path.join(runDir, 'order-service-profiled.log'),
      readyUrl: `http://${HOST}:${PORTS.profiledOrderService}/health/ready`,
      timeoutMs: 120_000,
    });
    cpuLabels.set(orderService.pid, 'order-service (profiled)');
    const gw = await startGateway(
      PORTS.profiledGateway,
      GENEROUS_LIMITS,
      'gateway-profiled-accepted',
      profileFlags('gateway-accepted'),
      `http://${HOST}:${PORTS.profiledOrderService}`,
    );
    cpuLabels.set(gw.pid, 'gateway (profiled)');
    const sale = await openSale(api, admin, `bench profile ${runId}`, 10_000_000, 100);
    const c = 16;
    startUs = nowUs();
    await measure(
      [{ name: `profiled accepted c=${c}`, connections: c, rate: 0, durationSec: opts.stepSec }],
      gatewayUrl,
      request(sale, 'prof-acc'),
    );
    windows.set('gateway-accepted', { startUs, endUs: nowUs() });
    windows.set('order-service', { startUs, endUs: nowUs() });
    await gw.stop(30_000);
    await orderService.stop(30_000);

    const parts: string[] = [];
    for (const [label, sub] of [
      ['gateway, sold-out fast path', 'gateway-sold-out'],
      ['gateway, accepted path', 'gateway-accepted'],
      ['order-service, accepted path', 'order-service'],
    ] as const) {
      const where = path.join(dir, sub);
      const files = fs.existsSync(where)
        ? fs.readdirSync(where).filter((f) => f.endsWith('.cpuprofile'))
        : [];
      if (files.length === 0) {
        parts.push(`${label}: no profile written`);
        continue;
      }
      const file = path.join(where, files[files.length - 1]);
      const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
      parts.push(
        formatProfileSummary(
          `${label} (${path.relative(root, file)})`,
          summarizeProfile(profile, 12, windows.get(sub)),
        ),
      );
    }
    report.profile = parts.join('\n\n');
    log('');
    log(report.profile);
  }
}

/** "answered by the gateway itself (gateway_shed_requests_total): sold_out 123456 (99.9 % of the answers)" */
function shedNote(before: string | null, after: string | null, f: HttpFigure): string {
  const deltas = counterDeltas(before, after, 'gateway_shed_requests_total', 'reason');
  if (after === null) return 'the gateway metrics could not be read';
  const answers = Object.values(f.counts).reduce((a, b) => a + b, 0);
  const parts = [...deltas].map(([reason, n]) => `${reason} ${n}`);
  const shed = [...deltas.values()].reduce((a, b) => a + b, 0);
  return (
    `answered by the gateway itself (gateway_shed_requests_total): ${parts.join(', ') || 'none'}` +
    ` = ${answers > 0 ? ((100 * shed) / answers).toFixed(1) : '0'} % of the ${answers} answers`
  );
}

interface Measured {
  readonly result: PhaseResult;
  readonly cpu: string;
  readonly cpuUs: number;
  readonly disturbed: string | null;
}

function figure(m: Measured, expected: Outcome): HttpFigure {
  const r = m.result;
  const counts = zeroCounts();
  for (const o of OUTCOMES) counts[o] = r.recorder.count(o);
  const total = r.recorder.total;
  return {
    name: r.phase.name,
    connections: r.phase.connections,
    durationSec: r.elapsedSec,
    rps: r.recorder.answered / r.elapsedSec,
    p50Ms: r.recorder.all.percentile(50),
    p99Ms: r.recorder.all.percentile(99),
    counts,
    expected,
    expectedShare: total > 0 ? counts[expected] / total : 0,
    cpu: m.cpu,
    cpuUsPerRequest: m.cpuUs,
    disturbance: m.disturbed,
  };
}

function version(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return pattern.exec(out)?.[1] ?? out.trim();
  } catch {
    return '?';
  }
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (pretty) osName = `${pretty[1]}, kernel ${os.release()}`;
  } catch {
    // keep the kernel name
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? '?',
    memGiB: os.totalmem() / 1024 ** 3,
    os: osName,
    node: process.version,
    redis: version('redis-server', ['--version'], /v=([\d.]+)/),
    postgres: version('pgbench', ['--version'], /([\d.]+)/),
  };
}
