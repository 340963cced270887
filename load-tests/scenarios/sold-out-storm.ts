/**
 * sold-out-storm: the last unit is gone, and the crowd keeps pressing the button.
 *
 * Setup creates a sale with stock 1 and buys it (until that order is SHIPPED: a declined payment
 * would put the unit back on sale). Then:
 * 1. storm: a constant --rate far above what the shop could ever admit, for --duration;
 * 2. gateway: a step search for the highest arrival rate at which every answer is 409 SOLD_OUT
 *    with p99 ≤ --p99 ms (the sold-out fast path's capacity);
 * 3. fastify: the same search against a bare Fastify route (ceiling-server.ts --kind fastify),
 *    with the same generator: the framework floor. The ratio says what the gateway costs on top.
 */
import { defineScenario } from '../engine/scenario';
import { int, seconds } from '../engine/options';
import { buyLastUnit, openSale } from '../engine/shop';
import { constant, search } from '../engine/stages';

export default defineScenario({
  name: 'sold-out-storm',
  description:
    'a sale of stock 1, bought; then --rate req/s for --duration at the sold-out sale, and a\n' +
    'step search (p99 ≤ --p99 ms, all SOLD_OUT) against the gateway and a bare Fastify route',
  options: {
    rate: int(4000, 'the storm: arrivals per second'),
    duration: seconds(10, 'length of the storm'),
    users: int(1000, 'distinct buyers the storm comes from'),
    p99: int(50, 'the searches: the highest rate held with p99 at most this (ms)'),
    searchFrom: int(1000, 'the searches start at this rate (req/s)'),
    maxRate: int(40_000, 'the searches never go above this rate (req/s)'),
    step: seconds(3, 'length of each search step'),
  },
  initialUsers: (o) => o.users,

  setup: async ({ api, adminToken, buyers, runKey, log }, o) => {
    const sale = await openSale(
      api,
      adminToken,
      { name: `load sold-out-storm ${runKey}`, stock: 1, perUserLimit: 1, flow: o.flow },
      log,
    );
    const orders = await buyLastUnit(api, buyers, sale.id, runKey, log);
    // The next purchase meets order-service's 409, which teaches the gateway "sold out".
    const probe = await api.placeOrder(buyers.token(buyers.count - 1), sale.id);
    log(`  the next purchase: HTTP ${probe.status}`);
    return { sale, orders };
  },

  stages: (o) => [
    constant('storm', o.rate, o.duration),
    search('gateway', {
      target: 'shop',
      expect: ['soldOut'],
      p99Ms: o.p99,
      startRate: o.searchFrom,
      maxRate: o.maxRate,
      stepSec: o.step,
      saveAs: 'gateway',
    }),
    search('fastify', {
      target: 'fastify',
      expect: ['ok'],
      p99Ms: o.p99,
      startRate: o.searchFrom,
      maxRate: o.maxRate,
      stepSec: o.step,
      saveAs: 'fastify',
    }),
  ],
  ratios: [
    {
      name: 'sold-out path: gateway ÷ bare Fastify (highest rate held)',
      numerator: 'gateway',
      denominator: 'fastify',
    },
  ],

  thresholds: () => [
    { metric: 'count', outcome: 'accepted', max: 0 },
    { metric: 'count', outcome: 'errors', max: 0 },
    { metric: 'missingRetryAfter', max: 0 },
    { metric: 'ambiguous', max: 0 },
    { metric: 'p99', outcome: 'soldOut', stage: 'storm', max: 100 },
  ],
});
