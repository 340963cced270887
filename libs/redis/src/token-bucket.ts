import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TOKEN_BUCKET_LUA } from './token-bucket.lua';

/** One bucket: refills `rate` tokens per second up to `burst`; a request takes one token. */
export interface BucketLimits {
  readonly rate: number;
  readonly burst: number;
}

export interface SaleRateLimits {
  /** Shared by every user (and every gateway instance) of one sale. */
  readonly global: BucketLimits;
  /** One per user per sale. */
  readonly user: BucketLimits;
}

/**
 * The answer for one request. `bucket` is the bucket that binds: the one that denied it, or,
 * when allowed, the one with fewer tokens left. `limit`, `remaining` and `resetMs` describe that
 * bucket (the RateLimit-* headers); `retryAfterMs` is how long until both buckets hold a token
 * again (0 when allowed).
 */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly bucket: 'global' | 'user';
  readonly limit: number;
  readonly remaining: number;
  readonly resetMs: number;
  readonly retryAfterMs: number;
}

/** The buckets' keys; `{sale:<id>}` keeps them in one cluster slot with the sale's other keys. */
export function rateLimitKeys(saleId: string, userId: string): { global: string; user: string } {
  return { global: `rl:{sale:${saleId}}:global`, user: `rl:{sale:${saleId}}:user:${userId}` };
}

export function assertValidLimits(limits: SaleRateLimits): void {
  for (const [name, bucket] of Object.entries(limits)) {
    if (!(Number.isFinite(bucket.rate) && bucket.rate > 0)) {
      throw new RangeError(`${name} rate must be a positive number, got ${bucket.rate}`);
    }
    if (!(Number.isInteger(bucket.burst) && bucket.burst >= 1)) {
      throw new RangeError(`${name} burst must be an integer >= 1, got ${bucket.burst}`);
    }
  }
}

/** What the script returns (integers: Redis truncates Lua numbers). */
type ScriptReply = [
  allowed: 0 | 1,
  bucket: 1 | 2,
  limit: number,
  remaining: number,
  resetMs: number,
  retryAfterMs: number,
];

const SCRIPT_SHA = createHash('sha1').update(TOKEN_BUCKET_LUA).digest('hex');

/**
 * A global bucket per sale and a bucket per user, checked together in one Lua script on Redis
 * time: atomic across every gateway instance, one round trip per request, all or nothing.
 */
export class TokenBucketLimiter {
  private readonly args: readonly number[];

  constructor(
    private readonly redis: Redis,
    limits: SaleRateLimits,
  ) {
    assertValidLimits(limits);
    this.args = [limits.global.rate, limits.global.burst, limits.user.rate, limits.user.burst];
  }

  async take(saleId: string, userId: string): Promise<RateLimitDecision> {
    const keys = rateLimitKeys(saleId, userId);
    const [allowed, bucket, limit, remaining, resetMs, retryAfterMs] = (await this.evaluate(
      keys.global,
      keys.user,
    )) as ScriptReply;
    return {
      allowed: allowed === 1,
      bucket: bucket === 1 ? 'global' : 'user',
      limit,
      remaining,
      resetMs,
      retryAfterMs,
    };
  }

  /** EVALSHA, falling back to EVAL (which caches the script) the first time a server sees it. */
  private async evaluate(globalKey: string, userKey: string): Promise<unknown> {
    try {
      return await this.redis.evalsha(SCRIPT_SHA, 2, globalKey, userKey, ...this.args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(TOKEN_BUCKET_LUA, 2, globalKey, userKey, ...this.args);
    }
  }
}
