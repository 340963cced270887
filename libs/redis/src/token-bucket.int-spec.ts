import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { testEndpoints, uniqueName } from '@seckill/testing';
import { rateLimitKeys, RateLimitDecision, SaleRateLimits, TokenBucketLimiter } from './index';

/**
 * The token-bucket script against a real Redis, on Redis's own clock. Nothing here asserts how
 * fast anything runs: each phase reads the server time (TIME) before and after, and the number
 * of admitted requests must lie within what the configured rate allows over that interval.
 */
const { redisUrl } = testEndpoints();
const redis = new Redis(redisUrl);
const second = new Redis(redisUrl);

afterAll(async () => {
  await Promise.all([redis.quit(), second.quit()]);
});

/** Redis server time in seconds (microsecond resolution). */
async function serverTime(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) + Number(micros) / 1e6;
}

async function bucketState(key: string): Promise<{ tokens: number; at: number } | null> {
  const state = await redis.hgetall(key);
  if (state.tokens === undefined || state.ts === undefined) return null;
  return { tokens: Number(state.tokens), at: Number(state.ts) / 1e6 };
}

async function takeInTurn(
  limiter: TokenBucketLimiter,
  saleId: string,
  users: (i: number) => string,
  count: number,
): Promise<RateLimitDecision[]> {
  const decisions: RateLimitDecision[] = [];
  for (let i = 0; i < count; i += 1) decisions.push(await limiter.take(saleId, users(i)));
  return decisions;
}

const allowedIn = (decisions: readonly RateLimitDecision[]) =>
  decisions.filter((d) => d.allowed).length;

/** A global bucket so large it never binds, for tests about the user's bucket. */
const roomy = { rate: 100_000, burst: 100_000 };

describe('TokenBucketLimiter', () => {
  it('admits a full burst, then denies until tokens refill at the configured rate', async () => {
    const limits: SaleRateLimits = { global: roomy, user: { rate: 2, burst: 5 } };
    const limiter = new TokenBucketLimiter(redis, limits);
    const saleId = uniqueName('sale');

    // Phase 1: a fresh bucket is full. Requests back to back: the burst passes, then no more
    // than what refilled during the phase.
    const start = await serverTime();
    const burst = await takeInTurn(limiter, saleId, () => 'u-1', 20);
    const end = await serverTime();
    expect(burst.slice(0, 5).map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 4],
      [true, 3],
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    expect(allowedIn(burst)).toBeLessThanOrEqual(Math.floor(5 + 2 * (end - start)));
    const denied = burst.find((d) => !d.allowed)!;
    expect(denied).toMatchObject({ bucket: 'user', limit: 5, remaining: 0 });
    // One token at 2/s is at most 500 ms away; the bucket is full again in at most 2.5 s.
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(500);
    expect(denied.resetMs).toBeLessThanOrEqual(2500);

    // Phase 2: wait, then drain again. What passes is what the rate added since the bucket's
    // last write (read from Redis), counted from the start and from the end of the phase.
    const { user } = rateLimitKeys(saleId, 'u-1');
    const before = (await bucketState(user))!;
    expect(before.tokens).toBeLessThan(1);
    await sleep(1600);
    const refillStart = await serverTime();
    const refill = await takeInTurn(limiter, saleId, () => 'u-1', 10);
    const refillEnd = await serverTime();
    const level = (t: number) => Math.min(5, before.tokens + 2 * (t - before.at));
    expect(allowedIn(refill)).toBeGreaterThanOrEqual(Math.floor(level(refillStart)));
    expect(allowedIn(refill)).toBeLessThanOrEqual(Math.floor(level(refillEnd)));
    expect(allowedIn(refill)).toBeGreaterThanOrEqual(3); // 1.6 s at 2/s, at least
  });

  it('takes from neither bucket when the user bucket is empty', async () => {
    const limiter = new TokenBucketLimiter(redis, {
      global: { rate: 0.001, burst: 100 },
      user: { rate: 0.001, burst: 1 },
    });
    const saleId = uniqueName('sale');
    const keys = rateLimitKeys(saleId, 'u-1');
    expect((await limiter.take(saleId, 'u-1')).allowed).toBe(true);
    const global = await redis.hgetall(keys.global);
    const user = await redis.hgetall(keys.user);

    const denied = await takeInTurn(limiter, saleId, () => 'u-1', 5);
    expect(denied.map((d) => [d.allowed, d.bucket])).toEqual(Array(5).fill([false, 'user']));
    expect(await redis.hgetall(keys.global)).toEqual(global);
    expect(await redis.hgetall(keys.user)).toEqual(user);
    expect(Number(global.tokens)).toBeCloseTo(99, 1);
  });

  it('takes from neither bucket when the global bucket is empty', async () => {
    const limiter = new TokenBucketLimiter(redis, {
      global: { rate: 0.001, burst: 2 },
      user: { rate: 0.001, burst: 10 },
    });
    const saleId = uniqueName('sale');
    const taken = await takeInTurn(limiter, saleId, (i) => `u-${i}`, 2);
    expect(taken.every((d) => d.allowed)).toBe(true);
    const global = await redis.hgetall(rateLimitKeys(saleId, 'u-0').global);

    const denied = await limiter.take(saleId, 'late-user');
    expect(denied).toMatchObject({ allowed: false, bucket: 'global', limit: 2, remaining: 0 });
    expect(await redis.exists(rateLimitKeys(saleId, 'late-user').user)).toBe(0);
    expect(await redis.hgetall(rateLimitKeys(saleId, 'u-0').global)).toEqual(global);
  });

  it('lets buckets expire once they would be full again', async () => {
    const limiter = new TokenBucketLimiter(redis, {
      global: { rate: 1000, burst: 10 },
      user: { rate: 1, burst: 2 },
    });
    const saleId = uniqueName('sale');
    await limiter.take(saleId, 'u-1');
    const keys = rateLimitKeys(saleId, 'u-1');
    // 9 tokens left of 10 at 1000/s: full after 1 ms, plus a second of slack.
    expect(await redis.pttl(keys.global)).toBeGreaterThan(0);
    expect(await redis.pttl(keys.global)).toBeLessThanOrEqual(1001);
    // 1 of 2 at 1/s: full after 1 s, plus the slack.
    expect(await redis.pttl(keys.user)).toBeGreaterThan(1000);
    expect(await redis.pttl(keys.user)).toBeLessThanOrEqual(2000);
  });

  it('two gateway instances together never exceed the global rate', async () => {
    const limits: SaleRateLimits = { global: { rate: 20, burst: 10 }, user: roomy };
    const instances = [
      new TokenBucketLimiter(redis, limits),
      new TokenBucketLimiter(second, limits),
    ];
    const saleId = uniqueName('sale');

    const start = await serverTime();
    const deadline = Date.now() + 1500;
    const results = await Promise.all(
      instances.flatMap((limiter, instance) =>
        [0, 1, 2].map(async (lane) => {
          const decisions: RateLimitDecision[] = [];
          for (let i = 0; Date.now() < deadline; i += 1) {
            decisions.push(await limiter.take(saleId, `i${instance}-l${lane}-u${i}`));
          }
          return { instance, decisions };
        }),
      ),
    );
    const end = await serverTime();

    const allowed = results.reduce((sum, r) => sum + allowedIn(r.decisions), 0);
    const denied = results.reduce((sum, r) => sum + r.decisions.length - allowedIn(r.decisions), 0);
    const ceiling = Math.floor(10 + 20 * (end - start));
    expect(allowed).toBeLessThanOrEqual(ceiling);
    // Hammered throughout, the bucket hands out close to everything it refills.
    expect(allowed).toBeGreaterThanOrEqual(Math.floor(10 + 20 * (end - start) * 0.5));
    expect(denied).toBeGreaterThan(allowed);
    for (const instance of [0, 1]) {
      const own = results.filter((r) => r.instance === instance);
      expect(own.reduce((sum, r) => sum + allowedIn(r.decisions), 0)).toBeGreaterThan(0);
    }
  });
});
