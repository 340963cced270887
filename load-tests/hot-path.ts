/**
 * Scenario "hot-path": a flash sale far above its stock, through the gateway.
 *
 *   npm run load -- hot-path [--url http://127.0.0.1:3000] [--stock 100] [--users 1000]
 *                            [--per-user-limit 1] [--connections 64] [--rate 0] [--steps 4]
 *                            [--duration 20s] [--timeout 10s]
 *
 * setup     an admin dev token creates a fresh sale that is open now; every user gets a dev token
 * load      a ramp of `steps` phases (connections and rate cap growing to the peak), each request
 *           `POST /api/sales/:id/orders` as a random user with that user's token and a fresh
 *           Idempotency-Key
 * checks    once the saga has settled every accepted order (SHIPPED, FAILED or CANCELLED): every
 *           unit sold (accepted >= stock, or users × perUserLimit if smaller; a unit released by a
 *           failed payment is sold again); stock conserved (kept orders + remainingStock ==
 *           stock); no user keeps more than perUserLimit; order ids unique; every accepted order
 *           readable by its owner (`GET /api/orders/:id`) with this sale; zero 5xx; zero
 *           transport errors.
 *
 * See load-tests/README.md for how to read the output and how this maps to k6.
 */
import type { HotPathOptions } from '../infra/bench/args';
import { rampPhases } from '../infra/bench/args';
import { type Answer, type PhaseResult, type RequestSpec, drive } from '../infra/bench/driver';
import { type Check, businessChecks, orderIdOf } from '../infra/bench/hot-path-checks';
import { ApiError, ShopApi, type Sale } from '../infra/bench/shop-api';
import { counterDeltas, fetchMetrics } from '../infra/bench/prom';
import { Recorder, formatSummary } from '../infra/bench/stats';

export interface HotPathResult {
  readonly sale: Sale;
  readonly recorder: Recorder;
  readonly phases: readonly PhaseResult[];
  readonly elapsedSec: number;
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

type Log = (line: string) => void;

export async function runHotPath(options: HotPathOptions, log: Log): Promise<HotPathResult> {
  const api = new ShopApi(options.url);
  const runId = Date.now().toString(36);

  log(`setup: gateway ${options.url}`);
  const adminToken = await api.devToken(`load-admin-${runId}`, 'admin');
  const sale = await createOpenSale(api, adminToken, options, runId, log);
  log(
    `  sale ${sale.id}: stock ${sale.stock}, perUserLimit ${sale.perUserLimit}, status ${sale.status}`,
  );

  const started = Date.now();
  const userIds = Array.from({ length: options.users }, (_, i) => `load-${runId}-${i}`);
  const tokens = await api.devTokens(userIds, 32);
  log(`  ${tokens.length} user tokens in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // The requests: a random user each time, with that user's token and a fresh idempotency key.
  const path = `/api/sales/${encodeURIComponent(sale.id)}/orders`;
  const body = JSON.stringify({ quantity: 1 });
  const authHeaders = tokens.map((t) => `Bearer ${t}`);
  let seq = 0;
  const nextRequest = (): RequestSpec => {
    const user = Math.floor(Math.random() * authHeaders.length);
    return {
      method: 'POST',
      path,
      headers: {
        authorization: authHeaders[user],
        'content-type': 'application/json',
        'idempotency-key': `${runId}-${seq++}`,
      },
      body,
      tag: user,
    };
  };

  const orders: Array<{ orderId: string; user: number }> = [];
  const malformed: string[] = [];
  const onAnswer = (answer: Answer): void => {
    if (answer.outcome !== 'accepted') return;
    const user = answer.request.tag as number;
    const orderId = orderIdOf(answer.body);
    if (orderId) orders.push({ orderId, user });
    else malformed.push(answer.body.slice(0, 120));
  };

  const phases = rampPhases(options.connections, options.rate, options.steps, options.durationSec);
  log('');
  log(
    `load: ${phases.length} steps of ${phases[0].durationSec} s: ` +
      phases.map((p) => `c=${p.connections}${p.rate ? ` ≤${p.rate}/s` : ''}`).join(' → '),
  );
  const metricsBefore = await fetchMetrics(options.url);
  const loadStarted = process.hrtime.bigint();
  const results = await drive({
    url: options.url,
    phases,
    nextRequest,
    onAnswer,
    progress: log,
    timeoutSec: options.timeoutSec,
    afterPhase: (r) => {
      log(
        `  ${r.phase.name} done: ${r.recorder.answered} answers in ${r.elapsedSec.toFixed(1)} s ` +
          `(${(r.recorder.answered / r.elapsedSec).toFixed(0)} req/s), ${r.recorder.count('accepted')} accepted`,
      );
    },
  });
  const elapsedSec = Number(process.hrtime.bigint() - loadStarted) / 1e9;
  const recorder = new Recorder();
  for (const r of results) recorder.merge(r.recorder);

  const shed = counterDeltas(
    metricsBefore,
    await fetchMetrics(options.url),
    'gateway_shed_requests_total',
    'reason',
  );

  log('');
  log('summary (latency measured per request by the driver, from write to full answer):');
  log(formatSummary(recorder, elapsedSec));
  if (shed.size > 0)
    log(
      `answered by the gateway without order-service (gateway_shed_requests_total): ${[...shed]
        .map(([reason, n]) => `${reason} ${n}`)
        .join(', ')}`,
    );

  log('');
  log('checks (after the saga settled every accepted order):');
  const checks = await businessChecks({
    options,
    sale,
    recorder,
    orders,
    malformed,
    readOrder: (o) => api.order(tokens[o.user], o.orderId),
    readSale: () => api.sale(sale.id),
  });
  for (const c of checks) log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  const ok = checks.every((c) => c.ok);
  return { sale, recorder, phases: results, elapsedSec, checks, ok };
}

async function createOpenSale(
  api: ShopApi,
  adminToken: string,
  options: HotPathOptions,
  runId: string,
  log: Log,
): Promise<Sale> {
  const now = Date.now();
  const sale = {
    name: `load hot-path ${runId}`,
    price: 4999,
    stock: options.stock,
    perUserLimit: options.perUserLimit,
    startsAt: new Date(now - 1000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
  };
  let created: Sale;
  try {
    created = await api.createSale(adminToken, sale);
  } catch (err) {
    // A sale may not be allowed to start in the past: start it in two seconds instead.
    if (!(err instanceof ApiError) || err.status !== 400 || !err.body.includes('startsAt'))
      throw err;
    log('  the sale cannot start in the past: it starts in 2 s');
    created = await api.createSale(adminToken, {
      ...sale,
      startsAt: new Date(Date.now() + 2000).toISOString(),
    });
  }
  const deadline = Date.now() + 10_000;
  while (created.status !== 'OPEN') {
    if (Date.now() > deadline)
      throw new Error(`sale ${created.id} is ${created.status}, not OPEN, after 10 s`);
    await new Promise((r) => setTimeout(r, 250));
    created = await api.sale(created.id);
  }
  return created;
}
