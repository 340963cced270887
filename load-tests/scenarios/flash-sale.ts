/**
 * flash-sale: the sale opens and the crowd arrives at once.
 *
 * 1. burst: 20 buyers per unit (stock 100: 2,000 distinct buyers), each sending one purchase,
 *    all at the same moment;
 * 2. ramp: then the crowd keeps coming at the now sold-out sale, far above what the shop can
 *    admit: 500 → 3,000 purchases a second over 10 s, from the same buyers.
 * Then the business checks: every unit kept or back on sale, nobody over the limit, nobody told
 * "failed" who bought.
 */
import { defineScenario } from '../engine/scenario';
import { int, seconds } from '../engine/options';
import { openSale } from '../engine/shop';
import { burst, ramp } from '../engine/stages';

export default defineScenario({
  name: 'flash-sale',
  description:
    'an instant burst of --buyers-per-unit × --stock distinct buyers (one purchase each, all at\n' +
    'once), then a ramp --ramp-from → --rate req/s over --duration on the now sold-out sale',
  options: {
    stock: int(100, 'units on sale'),
    buyersPerUnit: int(20, 'the burst: distinct buyers per unit, one purchase each'),
    perUserLimit: int(1, "the sale's perUserLimit", 1, 100),
    rampFrom: int(500, 'the ramp starts at this many req/s'),
    rate: int(3000, 'the ramp ends at this many req/s'),
    duration: seconds(10, 'length of the ramp'),
  },
  initialUsers: (o) => o.stock * o.buyersPerUnit,

  setup: async ({ api, adminToken, runKey, log }, o) => ({
    sale: await openSale(
      api,
      adminToken,
      {
        name: `load flash-sale ${runKey}`,
        stock: o.stock,
        perUserLimit: o.perUserLimit,
        flow: o.flow,
      },
      log,
    ),
  }),

  stages: (o) => [
    burst('burst', o.stock * o.buyersPerUnit),
    ramp('ramp', o.rampFrom, o.rate, o.duration),
  ],

  thresholds: () => [
    // The burst sells: someone gets a 202 while the crowd pushes.
    { metric: 'count', outcome: 'accepted', stage: 'burst', min: 1 },
    // No 5xx other than honest shedding, no lost answer (no answer at all, OUTCOME_UNKNOWN).
    { metric: 'count', outcome: 'errors', max: 0 },
    { metric: 'missingRetryAfter', max: 0 },
    { metric: 'ambiguous', max: 0 },
    // Every buyer of the burst hears back within 2 s, whatever the answer.
    { metric: 'max', stage: 'burst', max: 2000 },
    // Once sold out, "sold out" is cheap: the gateway answers it from memory.
    { metric: 'p99', outcome: 'soldOut', stage: 'ramp', max: 100 },
  ],
});
