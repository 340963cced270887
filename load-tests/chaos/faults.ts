/**
 * The faults the experiments inject, each the same three steps on the timeline: break something
 * --fault-at into the load, wait --down-for, repair it and wait until it is ready again. A
 * service is killed or stopped and restarted through the shop's own commands; an infra process
 * is signalled by the pid its pid file records and started again by the infra runner.
 */
import {
  type ServiceName,
  type ShopIo,
  infraStatus,
  infraUp,
  isAlive,
  killService,
  nestedIo,
  restart,
  runningKafkaBrokers,
  stopServices,
} from '../engine/infra';
import type { FaultContext } from './experiment';

const READY_TIMEOUT_MS = 60_000;

interface Timing {
  readonly faultAt: number;
  readonly downFor: number;
}

type Fault = (target: string, o: Timing, ctx: FaultContext) => Promise<void>;

/** The shop's commands print to the experiment's log, indented. */
const shopIo = (log: (line: string) => void): ShopIo => nestedIo(log, '    [shop] ');

const QUIET: ShopIo = shopIo(() => undefined);

/** Starts the service again (stopping it first if it runs) and waits until it is ready. */
export async function restartService(service: ServiceName): Promise<void> {
  await restart([service], READY_TIMEOUT_MS, QUIET);
}

/**
 * A service SIGKILLed (no drain, no commit, no goodbye) or, `graceful`, stopped with SIGTERM
 * (it drains, commits and leaves its group), then started again. `service` null: the target.
 */
export function bounceService(how: 'SIGKILL' | 'SIGTERM', service: ServiceName | null): Fault {
  return async (target, o, ctx) => {
    const name = service ?? (target as ServiceName);
    await ctx.sleep(o.faultAt * 1000);
    ctx.mark(`${how} ${name}`);
    if (how === 'SIGKILL') await killService(name, shopIo(ctx.log));
    else await stopServices([name], true, shopIo(ctx.log));
    await ctx.sleep(o.downFor * 1000);
    ctx.mark(`restart ${name}`);
    await restartService(name);
    ctx.mark(`${name} ready`);
  };
}

/** An infra process (`postgres`, `redis`, `kafka-2`) sent `signal`, then started again. */
export function bounceInfra(component: string, signal: NodeJS.Signals, label: string): Fault {
  return async (_target, o, ctx) => {
    await ctx.sleep(o.faultAt * 1000);
    const pid = await infraPid(component, label);
    ctx.mark(`${signal} ${label} (pid ${pid})`);
    await signalAndWait(pid, signal, ctx);
    await ctx.sleep(o.downFor * 1000);
    ctx.mark(`start ${label}`);
    await startMissingInfra(ctx.log);
    ctx.mark(`${label} ready`);
  };
}

/** The pid of a running infra process (`redis`, `postgres`, `kafka-2`), from its pid file. */
export async function infraPid(component: string, label: string): Promise<number> {
  const row = (await infraStatus()).find((c) => c.component === component);
  if (!row?.running || row.pid === null)
    throw new Error(`${label} (${component}) is not running: nothing to break`);
  return row.pid;
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
export async function startMissingInfra(log: (line: string) => void = () => undefined) {
  await infraUp({
    brokers: runningKafkaBrokers() ?? 1,
    log: (line) => log(`    [infra] ${line}`),
  });
}
