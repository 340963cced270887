import type { RateLimitDecision } from '@seckill/redis';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit';

const denied: RateLimitDecision = {
  allowed: false,
  bucket: 'user',
  limit: 3,
  remaining: 0,
  resetMs: 2400,
  retryAfterMs: 400,
};

describe('rate-limit answers', () => {
  it('describes the binding bucket in RateLimit-* headers, reset in whole seconds up', () => {
    expect(rateLimitHeaders(denied)).toEqual({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '3',
    });
  });

  it('asks for a retry after whole seconds, rounded up, at least 1', () => {
    expect(retryAfterSeconds(denied)).toBe(1);
    expect(retryAfterSeconds({ ...denied, retryAfterMs: 2001 })).toBe(3);
    expect(retryAfterSeconds({ ...denied, retryAfterMs: 0 })).toBe(1);
  });
});
