/**
 * restart-redis: a steady crowd buys; --fault-at seconds in, redis-server is SIGKILLed and
 * started again --down-for seconds later, from its append-only file (appendonly yes, appendfsync
 * everysec). What that policy can lose: Redis writes each command to the AOF with write(2)
 * before it answers the client, and fsyncs once a second. A killed process loses nothing it
 * answered (the kernel still holds and flushes what was written), so by default the stock, the
 * admitted orders and the outbox must all come back whole: the business checks fail otherwise.
 * While Redis is down, admission cannot run: buyers get 503 with Retry-After (the gateway's
 * buckets fail closed), never a 202 that was not kept.
 *
 * --host-loss shows the other case, a host that lost power: what was written after the last
 * fsync is not on its disk. At the fault the current incremental AOF file's size is noted (the
 * simulated fsync: with everysec, whatever was written a second before a crash is on disk), the
 * crowd buys on for --lost, Redis is SIGKILLed and that file cut back to the noted size; Redis
 * starts from it (`aof-load-truncated yes`, the default, copes with a command cut in half). The
 * writes it forgets are read from Redis itself (its orders hash and restocked set just before the
 * kill, minus the same after the restart), and the run is judged on whether the verifier and the
 * load's checks named exactly those (host-loss.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { Topic } from '@seckill/contracts';
import { restockedKey, saleKeys } from '@seckill/redis';
import { localTarget } from '../engine/infra';
import { flag, seconds } from '../engine/options';
import { aofLocation, currentIncrFile } from './aof';
import { CROWD_OPTIONS, HONEST, crowd } from './crowd';
import { defineExperiment, type FaultContext } from './experiment';
import { bounceInfra, infraPid, signalAndWait, startMissingInfra } from './faults';
import { type RedisWrites, findingsOf, judgeHostLoss, lostWrites } from './host-loss';
import { keysSince } from './topic-keys';

/**
 * Writes are paused between the last read and the kill, so that read is exactly what the kill
 * takes away; a pause is lifted after this long even if the kill never comes.
 */
const WRITE_PAUSE_MS = 5_000;
/** order.created records are looked for from a little before the simulated fsync. */
const KAFKA_LOOKBACK_MS = 5_000;

const killed = bounceInfra('redis', 'SIGKILL', 'redis-server');

async function withRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(localTarget().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** The sale's record of answered writes: every admitted order and every restocked one. */
async function writesOf(redis: Redis, saleId: string): Promise<RedisWrites> {
  const [admitted, restocked] = await Promise.all([
    redis.hkeys(saleKeys(saleId).orders),
    redis.smembers(restockedKey(saleId)),
  ]);
  return { admitted, restocked };
}

async function loseHost(
  o: { readonly faultAt: number; readonly downFor: number; readonly lost: number },
  ctx: FaultContext,
): Promise<void> {
  await ctx.sleep(o.faultAt * 1000);
  const pid = await infraPid('redis', 'redis-server');
  const { location, fsynced, fsyncedAtMs, pausedAtMs, beforeKill } = await withRedis(
    async (redis) => {
      const aof = await aofLocation(redis);
      const synced = currentIncrFile(aof);
      const syncedAt = Date.now();
      ctx.log(
        `  chaos: simulated last fsync (appendfsync ${aof.fsync}): ${path.basename(synced.path)} ` +
          `holds ${synced.size.toLocaleString('en-US')} bytes; the crowd buys on for ${o.lost} s`,
      );
      await ctx.sleep(o.lost * 1000);
      await redis.call('CLIENT', 'PAUSE', String(WRITE_PAUSE_MS), 'WRITE');
      const paused = Date.now();
      const writes = await writesOf(redis, ctx.saleId);
      return {
        location: aof,
        fsynced: synced,
        fsyncedAtMs: syncedAt,
        pausedAtMs: paused,
        beforeKill: writes,
      };
    },
  );
  ctx.mark(`SIGKILL redis-server (pid ${pid}), its host lost ${o.lost} s after the last fsync`);
  await signalAndWait(pid, 'SIGKILL', ctx);
  const lostForMs = Date.now() - fsyncedAtMs;
  ctx.log(
    `  chaos: writes were paused for the last ${Date.now() - pausedAtMs} ms before the kill ` +
      '(CLIENT PAUSE WRITE), so the orders read then are all the kill took',
  );

  // A rewrite that began in the lost window moved the writes to a new file (and the state
  // before it into a new base): cutting the old one would simulate nothing. Rare (it starts
  // when the AOF has doubled since the last one); Redis is started again either way.
  const written = currentIncrFile(location);
  if (written.path !== fsynced.path) {
    await startMissingInfra(ctx.log);
    throw new Error(
      `an AOF rewrite started during the lost window (${path.basename(fsynced.path)} → ` +
        `${path.basename(written.path)}): the host loss could not be simulated; run it again`,
    );
  }
  fs.truncateSync(fsynced.path, fsynced.size);
  ctx.log(
    `  chaos: ${path.basename(fsynced.path)} cut from ${written.size.toLocaleString('en-US')} ` +
      `to ${fsynced.size.toLocaleString('en-US')} bytes: what a host that lost power would have`,
  );
  await ctx.sleep(o.downFor * 1000);
  ctx.mark('start redis-server');
  await startMissingInfra(ctx.log);
  ctx.mark('redis-server ready');

  const lost = lostWrites(beforeKill, await withRedis((redis) => writesOf(redis, ctx.saleId)));
  ctx.log(
    `  chaos: Redis came back without ${lost.admissions.length} admission(s) and ` +
      `${lost.restocks.length} restock(s) of sale ${ctx.saleId}`,
  );
  const cut = {
    file: path.basename(fsynced.path),
    keptBytes: fsynced.size,
    cutBytes: written.size - fsynced.size,
    lostForMs,
  };
  ctx.judgeBy(async (run) => {
    const inKafka = await keysSince(Topic.OrderCreated, fsyncedAtMs - KAFKA_LOOKBACK_MS);
    return judgeHostLoss({ cut, lost, inKafka }, findingsOf(run));
  });
}

export default defineExperiment({
  name: 'restart-redis',
  description:
    'a steady crowd buys; --fault-at into it redis-server is SIGKILLed and started again\n' +
    '--down-for later from its AOF. Buyers hear 503s while it is down; nothing admitted is lost.\n' +
    '--host-loss: a lost host instead, the AOF cut back to the last fsync (--lost before the\n' +
    'kill); the loss is expected to fail checks and verifier, so this run exits 0 when they name\n' +
    'exactly the lost writes (admissions, restocks) and nothing else failed, 1 otherwise',
  options: {
    ...CROWD_OPTIONS,
    hostLoss: flag(
      'simulate a lost host: what Redis wrote in the last --lost before the kill is not on disk',
    ),
    lost: seconds(1, '--host-loss: from the simulated last fsync to the kill (everysec: ~1 s)'),
  },
  scenario: (_target, o) =>
    crowd(o.hostLoss ? 'restart-redis-host-loss' : 'restart-redis', o, HONEST),
  fault: (target, o, ctx) => (o.hostLoss ? loseHost(o, ctx) : killed(target, o, ctx)),
  repair: () => startMissingInfra(),
});
