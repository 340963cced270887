/**
 * The accepted path, the whole way (gateway → order-service → the admission Lua script → Kafka →
 * 202), at stepped connections: a closed model's throughput grows with the connections until a
 * CPU saturates, so the steps show the knee and the operating point the target is judged at.
 */
import type { BenchOptions } from '../args';
import type { Phase } from '../driver';
import type { HttpFigure } from '../report';
import type { MeteredRun } from './context';
import { type Measured, figure, measure } from './measure';
import type { BenchShop } from './setup';

/** One warm-up at 8 connections, then the steps; notes how many orders the steps admitted. */
export async function measureAccepted(
  run: MeteredRun,
  shop: BenchShop,
): Promise<readonly HttpFigure[]> {
  const { opts, log } = run;
  log('');
  log(
    `accepted path: stock 10,000,000, perUserLimit 100, ${shop.tokens.length} users; connections ${opts.acceptedSteps.join(', ')}`,
  );
  const requests = shop.requests(shop.acceptedSale);
  await measure(
    run,
    [{ name: 'warm-up', connections: 8, rate: 0, durationSec: opts.warmupSec }],
    shop.base,
    requests,
  );
  const results = await measure(run, acceptedSteps(opts), shop.base, requests);
  const after = await shop.api.sale(shop.acceptedSale.id);
  log(
    `  sale after the steps: remainingStock ${after.remainingStock} (${10_000_000 - after.remainingStock} sold)`,
  );
  run.notes.push(
    `accepted run: ${acceptedTotal(results)} orders admitted in the measured steps; each one also flows through Kafka to inventory, payment, logistics and notification, which run on the same 2 CPUs while the steps run (see the CPU column)`,
  );
  return results.map((r) => figure(r, 'accepted'));
}

/** One measured phase per connection step, each opts.stepSec long, as fast as it goes. */
export function acceptedSteps(opts: Pick<BenchOptions, 'acceptedSteps' | 'stepSec'>): Phase[] {
  return opts.acceptedSteps.map((c): Phase => ({
    name: `accepted c=${c}`,
    connections: c,
    rate: 0,
    durationSec: opts.stepSec,
  }));
}

/** The orders the measured steps admitted (the warm-up's left out). */
export function acceptedTotal(results: readonly Measured[]): number {
  return results.reduce((a, r) => a + r.result.recorder.count('accepted'), 0);
}
