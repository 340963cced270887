import fastify, { type FastifyInstance } from 'fastify';
import { MetricsRegistry } from '@seckill/observability';
import type { RateLimitDecision } from '@seckill/redis';
import { ShedAnswers } from './shed-answers';

const denied: RateLimitDecision = {
  allowed: false,
  bucket: 'user',
  limit: 3,
  remaining: 0,
  resetMs: 2400,
  retryAfterMs: 1400,
};

let app: FastifyInstance;
const metrics = new MetricsRegistry('shed-spec');
const answers = new ShedAnswers(metrics);

beforeAll(async () => {
  app = fastify();
  app.get('/sold-out', (request, reply) => answers.soldOut(request, reply, 'sale-1'));
  app.get('/limited/:bucket', (request, reply) =>
    answers.rateLimited(request, reply, {
      ...denied,
      bucket: (request.params as { bucket: 'user' | 'global' }).bucket,
    }),
  );
  app.get('/overloaded', (request, reply) => answers.overloaded(request, reply, 'concurrency'));
  await app.ready();
});

afterAll(() => app.close());

describe('the answers the gateway sheds with', () => {
  it('are problem+json with their stable code, and never a 2xx', async () => {
    const expected = [
      ['/sold-out', 409, 'SOLD_OUT'],
      ['/limited/user', 429, 'RATE_LIMITED'],
      ['/overloaded', 503, 'OVERLOADED'],
    ] as const;
    for (const [url, status, code] of expected) {
      const answer = await app.inject({ method: 'GET', url });
      expect(answer.statusCode).toBe(status);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.json()).toMatchObject({ status, code, instance: url });
    }
  });

  it('tell the client when to come back: 429 and 503 carry Retry-After', async () => {
    const limited = await app.inject({ method: 'GET', url: '/limited/user' });
    expect(limited.headers).toMatchObject({
      'retry-after': '2',
      'ratelimit-limit': '3',
      'ratelimit-remaining': '0',
    });
    expect(limited.json<{ detail: string }>().detail).toContain('you on this sale');
    const global = await app.inject({ method: 'GET', url: '/limited/global' });
    expect(global.json<{ detail: string }>().detail).toContain('for this sale');
    const overloaded = await app.inject({ method: 'GET', url: '/overloaded' });
    expect(overloaded.headers['retry-after']).toBe('1');
  });

  it('are counted by reason', async () => {
    const text = await metrics.text();
    expect(text).toMatch(/gateway_shed_requests_total\{[^}]*reason="sold_out"[^}]*\} [1-9]/);
    expect(text).toMatch(/reason="overloaded_concurrency"/);
    expect(text).toMatch(/reason="rate_limited_user"/);
  });
});
