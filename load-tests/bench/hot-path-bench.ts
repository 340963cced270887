/**
 * `npm run bench -- hot-path`: every figure of the design brief's "Performance targets" for the
 * hot path, measured in one run on this machine with one load driver (driver.ts):
 *
 *   0. background       each process's CPU at rest, subtracted from every figure (background.ts)
 *   1. HTTP ceiling     a bare Node http server (ceiling-server.ts), same requests as below;
 *                       then a bare Fastify route for reference (http-ceilings.ts)
 *   2. sold out         the gateway's local sold-out fast path (a sale whose one unit is gone)
 *   3. rate limited     a gateway with a tiny global bucket: every request is a Redis Lua 429
 *                       (both rejected.ts)
 *   4. accepted         a sale with huge stock and generous limits, stepping the connections to
 *                       find the knee; through gateway → order-service → Redis Lua → Kafka
 *                       (accepted.ts); with --profile, then profiled runs (profile.ts)
 *   5. Redis ceiling    redis-benchmark EVALSHA of the admission script (and the token bucket)
 *   6. Postgres ceiling pgbench of the conditional-decrement transaction, scratch database
 *                       (both store-ceilings.ts)
 *
 * The phases are in hot-path/, with what they share (the run, the measurement of a phase, the
 * processes). The bench starts its own gateway processes from the compiled shop (dist/) on spare
 * ports, with the rate limits each run needs; they forward to the shop's order-service, which
 * must be running (`npm run shop -- --detach`). Every child is stopped by its pid.
 */
import type { BenchOptions } from './args';
import { stopAllChildren } from './children';
import { measureAccepted } from './hot-path/accepted';
import { measureBackground, waitQuiet } from './hot-path/background';
import {
  type Log,
  type MeteredRun,
  prepareRun,
  startReport,
  writeReport,
} from './hot-path/context';
import { measureFrameworkFloor, measureHttpCeiling } from './hot-path/http-ceilings';
import { profileHotPath } from './hot-path/profile';
import { measureRateLimited, measureSoldOut } from './hot-path/rejected';
import { setUpShop } from './hot-path/setup';
import { measurePostgresCeiling, measureRedisCeilings } from './hot-path/store-ceilings';
import type { BenchReport } from './report';

/**
 * The phases in the order the figures are measured; each gets the run and hands back its figures.
 * report.json is written only when every phase got through.
 */
export async function runHotPathBench(
  opts: BenchOptions,
  command: string,
  log: Log,
): Promise<BenchReport> {
  const prepared = prepareRun(opts, log);
  const report = startReport(prepared, command);
  try {
    await waitQuiet(prepared);
    const run: MeteredRun = { ...prepared, idleShares: await measureBackground(prepared) };
    if (!opts.skip.has('http')) {
      const shop = await setUpShop(run);
      report.ceiling = await measureHttpCeiling(run, shop);
      report.framework = await measureFrameworkFloor(run, shop);
      report.soldOut = await measureSoldOut(run, shop);
      report.rateLimited = await measureRateLimited(run, shop);
      report.accepted = await measureAccepted(run, shop);
      await shop.gateway.stop();
      if (opts.profile) report.profile = await profileHotPath(run, shop);
    }
    if (!opts.skip.has('redis')) report.redis = await measureRedisCeilings(run);
    if (!opts.skip.has('postgres')) {
      const pg = await measurePostgresCeiling(run);
      report.machine = { ...report.machine, postgres: pg.serverVersion };
      report.postgres = pg;
    }
  } finally {
    // Also after an error: no child of the bench outlives it.
    await stopAllChildren();
  }
  writeReport(prepared, report);
  return report;
}
