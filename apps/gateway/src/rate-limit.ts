import { Inject, Injectable } from '@nestjs/common';
import { RateLimitDecision, RedisConnection, TokenBucketLimiter } from '@seckill/redis';
import type { GatewayConfig } from './config';
import { GATEWAY_CONFIG } from './tokens';

/**
 * The token buckets of POST /api/sales/:saleId/orders: the sale's global bucket and the
 * caller's, one Redis round trip. If Redis cannot answer, there is no decision (null) and the
 * route refuses the request (503): the buckets exist to protect order-service, so they fail
 * closed.
 */
@Injectable()
export class SaleRateLimiter {
  private readonly limiter: TokenBucketLimiter;

  constructor(redis: RedisConnection, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.limiter = new TokenBucketLimiter(redis.client, {
      global: { rate: config.RATE_LIMIT_GLOBAL_RATE, burst: config.RATE_LIMIT_GLOBAL_BURST },
      user: { rate: config.RATE_LIMIT_USER_RATE, burst: config.RATE_LIMIT_USER_BURST },
    });
  }

  async take(saleId: string, userId: string): Promise<RateLimitDecision | null> {
    try {
      return await this.limiter.take(saleId, userId);
    } catch {
      return null;
    }
  }
}

/** RateLimit-Limit, -Remaining, -Reset (seconds until the binding bucket is full again). */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
  };
}

/** Retry-After of a 429: whole seconds, rounded up, until both buckets hold a token again. */
export function retryAfterSeconds(decision: RateLimitDecision): number {
  return Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}
