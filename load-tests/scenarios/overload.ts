/**
 * overload: the accepted path, past its capacity.
 *
 * A sale that cannot sell out (stock 1,000,000, perUserLimit 100) and enough buyers that no
 * single one hits the gateway's per-user bucket. First a step search finds the capacity: the
 * highest arrival rate at which every answer is 202 with p99 ≤ --p99 ms (skip it with
 * --capacity). Then 1×, 2×, 5× and 10× that rate for --duration each. Past capacity the shop
 * must keep its goodput (202/s) and turn the excess away fast, with 429 or 503 OVERLOADED and a
 * Retry-After, instead of slowing everyone down until requests time out.
 */
import { defineScenario } from '../engine/scenario';
import { int, list, optionalInt, seconds } from '../engine/options';
import { openSale } from '../engine/shop';
import { type Stage, constant, search } from '../engine/stages';
import type { Threshold } from '../engine/thresholds';

/** Each buyer sends at most one purchase every 1.5 s: below the per-user bucket's 1/s. */
const USERS = { perRate: 1.5 };

export default defineScenario({
  name: 'overload',
  description:
    'the accepted path (a sale that cannot sell out) at --multiples × its capacity, found by a\n' +
    'step search (p99 ≤ --p99 ms, all 202) unless --capacity is given',
  options: {
    capacity: optionalInt('the capacity in req/s; skips the search'),
    multiples: list([1, 2, 5, 10], 'arrival rates, as multiples of the capacity'),
    duration: seconds(5, 'length of each multiple'),
    p99: int(100, 'the capacity: the highest rate held with p99 at most this (ms)'),
    searchFrom: int(100, 'the search starts at this rate (req/s)'),
    maxRate: int(20_000, 'the search never goes above this rate (req/s)'),
    step: seconds(3, 'length of each search step'),
    stock: int(1_000_000, 'units on sale (enough never to sell out)'),
    perUserLimit: int(100, "the sale's perUserLimit", 1, 100),
    // Thousands of accepted orders take the saga minutes on 2 cores.
    settleTimeout: seconds(600, 'how long to wait for the saga to settle every accepted order'),
  },
  reportShedding: true,
  initialUsers: (o) => Math.ceil((o.capacity ?? o.searchFrom) * USERS.perRate),

  setup: async ({ api, adminToken, runKey, log }, o) => ({
    sale: await openSale(
      api,
      adminToken,
      {
        name: `load overload ${runKey}`,
        stock: o.stock,
        perUserLimit: o.perUserLimit,
        flow: o.flow,
      },
      log,
    ),
  }),

  stages: (o) => {
    const stages: Stage[] = [];
    if (o.capacity === null)
      stages.push(
        search('capacity', {
          target: 'shop',
          expect: ['accepted'],
          p99Ms: o.p99,
          startRate: o.searchFrom,
          maxRate: o.maxRate,
          stepSec: o.step,
          saveAs: 'capacity',
          users: USERS,
        }),
      );
    const capacity = (found: Readonly<Record<string, number>>): number => {
      const c = o.capacity ?? found.capacity;
      if (!c) throw new Error('the capacity search found no rate that held; give --capacity');
      return c;
    };
    for (const m of o.multiples)
      stages.push(constant(`${m}× capacity`, (f) => m * capacity(f), o.duration, USERS));
    return stages;
  },

  thresholds: (o) => {
    const capacity = (f: Readonly<Record<string, number>>): number => o.capacity ?? f.capacity;
    const t: Threshold[] = [
      { metric: 'count', outcome: 'other5xx', max: 0 },
      { metric: 'timeouts', max: 0 },
      { metric: 'missingRetryAfter', max: 0 },
      { metric: 'ambiguous', max: 0 },
      // Turning the excess away must stay cheap: no queueing behind the accepted ones.
      { metric: 'p99', outcome: 'shed', max: 100 },
    ];
    // No collapse: past capacity, at least half of it still gets through.
    for (const m of o.multiples)
      t.push({
        metric: 'goodput',
        stage: `${m}× capacity`,
        min: (f) => 0.5 * Math.min(m, 1) * capacity(f),
      });
    return t;
  },
});
