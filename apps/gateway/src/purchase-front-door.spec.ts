import fastify, { type FastifyInstance } from 'fastify';
import type { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { MetricsRegistry } from '@seckill/observability';
import type { AdmittedPurchases } from './admitted-purchases';
import { ConcurrencyLimiter } from './concurrency-limiter';
import type { GatewayConfig } from './config';
import { EventLoopLag } from './event-loop-lag';
import type { OrderServiceClient } from './order-service.client';
import { PurchaseFrontDoor } from './purchase-front-door';
import { ShedAnswers } from './shed-answers';
import { SoldOutSales } from './sold-out';

/** The door on a bare Fastify app; what it lets through answers 200 "through". */
async function doorWith(options: { lagMs?: number; saturated?: boolean; admitted?: boolean }) {
  let now = 0;
  const lag = new EventLoopLag(20, () => now, false);
  now += 20 + (options.lagMs ?? 0);
  lag.sample();
  const limiter = new ConcurrencyLimiter({ limit: 1, maxWaiting: 0 });
  if (options.saturated) await limiter.acquire(0);
  const soldOut = new SoldOutSales();
  soldOut.startListening();
  soldOut.apply('gone', true);
  const app: FastifyInstance = fastify();
  const door = new PurchaseFrontDoor(
    {} as HttpAdapterHost<FastifyAdapter>,
    soldOut,
    { limiter } as unknown as OrderServiceClient,
    new ShedAnswers(new MetricsRegistry('door-spec')),
    { includes: async () => options.admitted ?? false } as unknown as AdmittedPurchases,
    lag,
    { SHED_EVENT_LOOP_LAG_MS: 200 } as GatewayConfig,
  );
  app.addHook('onRequest', (request, reply, done) => door.screen(request, reply, done));
  app.all('/*', async () => 'through');
  await app.ready();
  return app;
}

const purchase = (app: FastifyInstance, saleId: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/api/sales/${saleId}/orders`, headers, payload: {} });

describe('PurchaseFrontDoor', () => {
  it('lets a purchase through when the sale sells and the gateway keeps up', async () => {
    const app = await doorWith({});
    expect((await purchase(app, 's-1')).body).toBe('through');
    await app.close();
  });

  it('answers a known sold-out sale 409 itself, before any token is looked at', async () => {
    const app = await doorWith({});
    const answer = await purchase(app, 'gone');
    expect(answer.statusCode).toBe(409);
    expect(answer.json()).toMatchObject({ code: 'SOLD_OUT' });
    await app.close();
  });

  it('lets through a purchase of a sold-out sale whose key was admitted (a settling retry)', async () => {
    const app = await doorWith({ admitted: true });
    const token = `x.${Buffer.from('{"sub":"u-1"}').toString('base64url')}.y`;
    const answer = await purchase(app, 'gone', {
      authorization: `Bearer ${token}`,
      'idempotency-key': 'k-1',
    });
    expect(answer.body).toBe('through');
    await app.close();
  });

  it.each([
    ['the concurrency limit is saturated', { saturated: true }],
    ['the event loop runs 250 ms late', { lagMs: 250 }],
  ])('sheds with 503 OVERLOADED and Retry-After when %s', async (_, options) => {
    const app = await doorWith(options);
    const answer = await purchase(app, 's-1');
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.json()).toMatchObject({ code: 'OVERLOADED' });
    // Only purchases: everything else still goes through.
    expect((await app.inject({ method: 'GET', url: '/api/sales/s-1' })).body).toBe('through');
    await app.close();
  });
});
