import type { RateLimitDecision } from '@seckill/redis';
import { rateLimited, rateLimitHeaders } from './rate-limit';

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

  it('answers 429 RATE_LIMITED with Retry-After in whole seconds, at least 1', () => {
    const problem = rateLimited(denied);
    expect(problem.getStatus()).toBe(429);
    expect(problem.code).toBe('RATE_LIMITED');
    expect(problem.headers).toMatchObject({ 'retry-after': '1', 'ratelimit-limit': '3' });
    expect(rateLimited({ ...denied, retryAfterMs: 2001 }).headers['retry-after']).toBe('3');
    expect(rateLimited({ ...denied, retryAfterMs: 0 }).headers['retry-after']).toBe('1');
  });

  it('says which bucket ran out', () => {
    expect(rateLimited(denied).message).toContain('you on this sale');
    expect(rateLimited({ ...denied, bucket: 'global' }).message).toContain('this sale');
  });
});
