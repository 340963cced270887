/**
 * The load every experiment injects its fault into: a steady crowd buying from a sale that cannot
 * sell out, so orders keep flowing through the whole saga while the shop is broken and repaired.
 */
import { int, seconds } from '../engine/options';
import { defineScenario, type Scenario } from '../engine/scenario';
import { openSale } from '../engine/shop';
import { constant } from '../engine/stages';
import type { Threshold } from '../engine/thresholds';

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
  /** `sync`: the sale is sold by the synchronous baseline (ADR 0012; `npm run bench -- compare`). */
  readonly flow?: 'events' | 'sync';
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
        {
          name: `chaos ${name} ${runKey}`,
          stock: 1_000_000,
          perUserLimit: 100,
          flow: o.flow,
        },
        log,
      ),
    }),
    stages: () => [constant('crowd', o.rate, o.duration)],
    thresholds: () => thresholds,
  });
}
