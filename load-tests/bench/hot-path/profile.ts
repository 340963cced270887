/**
 * --profile: where the time goes, profiled (`node --cpu-prof`). Not a measured figure, since
 * profiling costs time: a gateway on the sold-out fast path; then a second order-service
 * instance and a gateway in front of it on the accepted path. Each profile is written when its
 * process exits and is cut down to the samples of the measured phase (start-up and shutdown
 * left out).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOST } from '../../engine/infra';
import { formatProfileSummary, summarizeProfile, type CpuProfile } from '../cpuprofile';
import { openSale, ShopApi } from '../shop-api';
import type { HotPathRun, MeteredRun } from './context';
import { measure, purchaseRequests } from './measure';
import { GENEROUS_LIMITS, PORTS, startGateway, startProfiledOrderService } from './processes';
import type { BenchShop } from './setup';

/** The measured phase of a profile, in µs of the monotonic clock. */
interface PhaseWindow {
  readonly startUs: number;
  readonly endUs: number;
}
type Windows = Map<string, PhaseWindow>;

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const gatewayUrl = `http://${HOST}:${PORTS.profiledGateway}`;

/** Runs both profiled runs; returns the summary of the three profiles, also printed. */
export async function profileHotPath(run: MeteredRun, shop: BenchShop): Promise<string> {
  const dir = path.join(run.runDir, 'profiles');
  const windows: Windows = new Map();
  windows.set('gateway-sold-out', await profileSoldOut(run, shop, dir));
  const accepted = await profileAccepted(run, shop, dir);
  windows.set('gateway-accepted', accepted.gateway);
  windows.set('order-service', accepted.orderService);
  const summary = summarizeProfiles(run, dir, windows);
  run.log('');
  run.log(summary);
  return summary;
}

/** Node flags that write a profile into `<dir>/<sub>/` when the process exits. */
const profileFlags = (dir: string, sub: string): string[] => [
  '--cpu-prof',
  '--cpu-prof-dir',
  path.join(dir, sub),
];

/** A profiled gateway repeats the sold-out run; returns its measured phase. */
async function profileSoldOut(run: MeteredRun, shop: BenchShop, dir: string): Promise<PhaseWindow> {
  const { opts, log } = run;
  log('');
  log(`profile 1/2: sold out, gateway on :${PORTS.profiledGateway} with --cpu-prof`);
  const gateway = await startGateway(
    run,
    PORTS.profiledGateway,
    GENEROUS_LIMITS,
    'gateway-profiled-sold-out',
    profileFlags(dir, 'gateway-sold-out'),
  );
  run.cpuLabels.set(gateway.pid, 'gateway (profiled)');
  // Teaches this gateway the sale is sold out.
  await new ShopApi(gatewayUrl).placeOrder(shop.tokens[0], shop.soldOutSale.id);
  const startUs = nowUs();
  await measure(
    run,
    [
      {
        name: `profiled sold out c=${opts.connections}`,
        connections: opts.connections,
        rate: 0,
        durationSec: opts.stepSec,
      },
    ],
    gatewayUrl,
    purchaseRequests(shop.soldOutSale.id, shop.tokens, `${shop.runId}-prof-so`),
  );
  const phase = { startUs, endUs: nowUs() };
  await gateway.stop(30_000);
  return phase;
}

/**
 * A profiled order-service instance and a profiled gateway in front of it repeat the accepted
 * run at 16 connections, on a sale of their own; returns their measured phase.
 */
async function profileAccepted(
  run: MeteredRun,
  shop: BenchShop,
  dir: string,
): Promise<{ gateway: PhaseWindow; orderService: PhaseWindow }> {
  const { opts, log } = run;
  log('');
  log(
    `profile 2/2: accepted, order-service instance on :${PORTS.profiledOrderService} and gateway on :${PORTS.profiledGateway}, both with --cpu-prof`,
  );
  const orderService = await startProfiledOrderService(run, profileFlags(dir, 'order-service'));
  run.cpuLabels.set(orderService.pid, 'order-service (profiled)');
  const gateway = await startGateway(
    run,
    PORTS.profiledGateway,
    GENEROUS_LIMITS,
    'gateway-profiled-accepted',
    profileFlags(dir, 'gateway-accepted'),
    `http://${HOST}:${PORTS.profiledOrderService}`,
  );
  run.cpuLabels.set(gateway.pid, 'gateway (profiled)');
  const api = new ShopApi(gatewayUrl);
  const sale = await openSale(api, shop.admin, `bench profile ${shop.runId}`, 10_000_000, 100);
  const c = 16;
  const startUs = nowUs();
  await measure(
    run,
    [{ name: `profiled accepted c=${c}`, connections: c, rate: 0, durationSec: opts.stepSec }],
    gatewayUrl,
    purchaseRequests(sale.id, shop.tokens, `${shop.runId}-prof-acc`),
  );
  const windows = {
    gateway: { startUs, endUs: nowUs() },
    orderService: { startUs, endUs: nowUs() },
  };
  await gateway.stop(30_000);
  await orderService.stop(30_000);
  return windows;
}

/** The top frames of each profile written, within its measured phase. */
function summarizeProfiles(run: HotPathRun, dir: string, windows: Windows): string {
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
        `${label} (${path.relative(run.root, file)})`,
        summarizeProfile(profile, 12, windows.get(sub)),
      ),
    );
  }
  return parts.join('\n\n');
}
