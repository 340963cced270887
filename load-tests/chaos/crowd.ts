/**
 * The load every experiment injects its fault into: a steady crowd buying from a sale that cannot
 * sell out, so orders keep flowing through the whole saga while the shop is broken and repaired.
 * Also the small pieces of the shop every fault needs: its commands' output, an infra process
 * signalled by pid and waited for.
 */
import {
  type ShopIo,
  infraStatus,
  infraUp,
  isAlive,
  painter,
  runningKafkaBrokers,
} from '../engine/infra';
import { int, seconds } from '../engine/options';
import { defineScenario, type Scenario } from '../engine/scenario';
import { openSale } from '../engine/shop';
import { constant } from '../engine/stages';
import type { Threshold } from '../engine/thresholds';
import type { FaultContext } from './experiment';

export const CROWD_OPTIONS = {
  rate: int(100, 'arrivals per second'),
  duration: seconds(30, 'length of the load'),
  users: int(300, 'distinct buyers'),
  faultAt: seconds(5, 'the fault, this long after the load started'),
  downFor: seconds(3, 'the repair, this long after the fault'),
};

export interface CrowdOptions {
  readonly rate: number;
  readonly duration: number;
  readonly users: number;
}

/** Whatever breaks, no buyer is told "failed" who bought, and every 429/503 says when to retry. */
export const HONEST: readonly Threshold[] = [
  { metric: 'ambiguous', max: 0 },
  { metric: 'missingRetryAfter', max: 0 },
];

/** A fault that does not reach buyers: every purchase admitted, no error. */
export const UNNOTICED: readonly Threshold[] = [
  ...HONEST,
  { metric: 'share', outcome: 'accepted', min: 1 },
  { metric: 'count', outcome: 'errors', max: 0 },
];

export function crowd(name: string, o: CrowdOptions, thresholds: readonly Threshold[]): Scenario {
  return defineScenario({
    name: `chaos-${name}`,
    description: `the load of chaos ${name}`,
    options: {},
    initialUsers: () => o.users,
    setup: async ({ api, adminToken, runKey, log }) => ({
      sale: await openSale(
        api,
        adminToken,
        { name: `chaos ${name} ${runKey}`, stock: 1_000_000, perUserLimit: 100 },
        log,
      ),
    }),
    stages: () => [constant('crowd', o.rate, o.duration)],
    thresholds: () => thresholds,
  });
}

/** The shop's commands print to the experiment's log, indented. */
export function shopIo(log: (line: string) => void): ShopIo {
  return {
    log: (line) => log(`    [shop] ${line}`),
    out: (text) => log(`    [shop] ${text}`),
    paint: painter(false),
    interrupted: () => new Promise<NodeJS.Signals>(() => undefined),
  };
}

export const QUIET: ShopIo = shopIo(() => undefined);

/** The pid of a running infra component (`postgres`, `redis`, `kafka-2`), or null. */
export async function infraPid(component: string): Promise<number | null> {
  const row = (await infraStatus()).find((c) => c.component === component);
  return row?.running ? row.pid : null;
}

/** Signals a process by its pid and waits until it is gone. */
export async function signalAndWait(
  pid: number,
  signal: NodeJS.Signals,
  ctx: Pick<FaultContext, 'sleep'>,
  timeoutMs = 30_000,
): Promise<void> {
  process.kill(pid, signal);
  const started = Date.now();
  while (isAlive(pid)) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`pid ${pid} is still alive ${timeoutMs / 1000} s after ${signal}`);
    await ctx.sleep(50);
  }
}

/** Starts whatever infra is missing, on the Kafka profile that runs. */
export async function infraRepair(log: (line: string) => void): Promise<void> {
  await infraUp({
    brokers: runningKafkaBrokers() ?? 1,
    log: (line) => log(`    [infra] ${line}`),
  });
}
