/**
 * The ceilings under the accepted path: what Redis does with the admission script (and the
 * gateway's token bucket) and what PostgreSQL does with the hot row's conditional decrement,
 * each measured by its own tool, so that the HTTP figures can be read against them.
 */
import {
  HOST,
  measurePgCeiling,
  measureScript,
  type PgCeiling,
  POSTGRES_PASSWORD,
  POSTGRES_PORT,
  POSTGRES_USER,
  REDIS_PORT,
  type RedisCeiling,
} from '../../engine/infra';
import { admissionBench, tokenBucketBench } from '../redis-scripts';
import type { MeteredRun } from './context';
import { watched } from './measure';

/** redis-benchmark EVALSHA of both scripts, on the shop's Redis with scratch keys. */
export async function measureRedisCeilings(run: MeteredRun): Promise<RedisCeiling[]> {
  const { log } = run;
  log('');
  log('Redis ceiling (redis-benchmark, EVALSHA, the shop Redis, scratch keys):');
  const redisOpts = { host: HOST, port: REDIS_PORT, clients: 50, requests: 50_000, log };
  const results: RedisCeiling[] = [];
  for (const [bench, requests] of [
    [admissionBench(), 50_000],
    [tokenBucketBench(), 100_000],
  ] as const) {
    const { value, mark } = await watched(run, bench.name, () =>
      measureScript(bench, { ...redisOpts, requests }),
    );
    results.push({ ...value, name: value.name + mark });
  }
  for (const r of results)
    log(`  ${r.name}: ${r.rps.toFixed(0)} ops/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
  return results;
}

/** pgbench of the conditional decrement + reservation, in a scratch database it drops. */
export async function measurePostgresCeiling(run: MeteredRun): Promise<PgCeiling> {
  const { log } = run;
  log('');
  log('Postgres ceiling (pgbench, conditional decrement + reservation, scratch database):');
  const { value: pg } = await watched(run, 'postgres ceiling', () =>
    measurePgCeiling({
      conn: {
        host: HOST,
        port: POSTGRES_PORT,
        user: POSTGRES_USER,
        password: POSTGRES_PASSWORD,
      },
      clients: 8,
      threads: 2,
      durationSec: Math.max(5, run.opts.stepSec),
      log,
    }),
  );
  log(`  ${pg.tps.toFixed(0)} tps, p50 ${pg.p50Ms.toFixed(2)} ms, p99 ${pg.p99Ms.toFixed(2)} ms`);
  return pg;
}
