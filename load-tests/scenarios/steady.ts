/**
 * steady: an ordinary day, well below capacity: --rate purchases a second for --duration on a
 * sale that cannot sell out. Everything should be a 202, fast, and the saga should keep pace:
 * the time from the 202 to SHIPPED is printed as a trend over the run (from every order's
 * history), so a saga falling behind shows as a rising line.
 */
import { defineScenario } from '../engine/scenario';
import { int, seconds } from '../engine/options';
import { openSale } from '../engine/shop';
import { constant } from '../engine/stages';

export default defineScenario({
  name: 'steady',
  description:
    '--rate req/s for --duration below capacity on a sale that cannot sell out; prints the time\n' +
    'from 202 to SHIPPED as a trend',
  options: {
    rate: int(100, 'arrivals per second'),
    duration: seconds(30, 'length of the run'),
    users: int(300, 'distinct buyers'),
    stock: int(1_000_000, 'units on sale'),
    perUserLimit: int(100, "the sale's perUserLimit", 1, 100),
  },
  initialUsers: (o) => o.users,
  shipTrendWindowSec: 5,

  setup: async ({ api, adminToken, runKey, log }, o) => ({
    sale: await openSale(
      api,
      adminToken,
      {
        name: `load steady ${runKey}`,
        stock: o.stock,
        perUserLimit: o.perUserLimit,
        flow: o.flow,
      },
      log,
    ),
  }),

  stages: (o) => [constant('steady', o.rate, o.duration)],

  thresholds: () => [
    { metric: 'share', outcome: 'accepted', min: 1 },
    { metric: 'count', outcome: 'errors', max: 0 },
    { metric: 'ambiguous', max: 0 },
    { metric: 'p99', outcome: 'accepted', max: 50 },
  ],
});
