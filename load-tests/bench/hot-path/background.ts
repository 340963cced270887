/**
 * Before anything is measured: the machine at rest. A figure is the CPU a request costs, so what
 * the processes use with nothing sent is measured first and subtracted later; on a shared machine
 * the run can first wait for the others to calm down.
 */
import { SERVICE_NAMES } from '../../engine/infra';
import { sleep } from '../children';
import { cpuShares, cpuSnapshot, disturbance, formatCpuShares } from '../cpu';
import type { CpuShares, HotPathRun } from './context';

/**
 * With --wait-quiet: waits for 5 s in which processes outside the shop used at most 10 % of a
 * core and no shop service more than 10 % (a service still draining the last run's backlog is
 * not at rest); measures anyway, with a note, when that does not come in time.
 */
export async function waitQuiet(run: HotPathRun): Promise<void> {
  const maxSec = run.opts.waitQuietSec;
  if (maxSec <= 0) return;
  const deadline = Date.now() + maxSec * 1000;
  for (;;) {
    const before = cpuSnapshot(run.cpuLabels);
    await sleep(5000);
    const busy = busyReason(cpuShares(before, cpuSnapshot(run.cpuLabels), 5));
    if (!busy) return;
    if (Date.now() > deadline) {
      run.log(`  the machine did not get quiet within ${maxSec} s (${busy}); measuring anyway`);
      run.notes.push(`the machine was not quiet when the run started (${busy})`);
      return;
    }
    run.log(`  waiting for a quiet machine: ${busy}`);
  }
}

/** Why the machine is not quiet ("other 35%", "order-service 40%"), or null when it is. */
export function busyReason(shares: CpuShares): string | null {
  // Outsiders under 10 % of a core, and no shop service busy (e.g. draining a backlog).
  const busyService = shares.find(
    (x) => (SERVICE_NAMES as readonly string[]).includes(x.label) && x.percent > 10,
  );
  return (
    disturbance(shares) ??
    (busyService ? `${busyService.label} ${busyService.percent.toFixed(0)}%` : null)
  );
}

/** Every process's CPU over 3 s with nothing sent: the background each figure subtracts. */
export async function measureBackground(run: HotPathRun): Promise<CpuShares> {
  const idleBefore = cpuSnapshot(run.cpuLabels);
  await sleep(3000);
  const idleShares = cpuShares(idleBefore, cpuSnapshot(run.cpuLabels), 3);
  const idle = formatCpuShares(idleShares, 1);
  run.log(`background CPU before the run (3 s, nothing sent): ${idle}`);
  run.notes.push(`background CPU before the run (3 s, no load): ${idle}`);
  return idleShares;
}
