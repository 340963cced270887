import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { Pool } from 'undici';
import { JwtCodec } from '@seckill/auth';
import { HotPathHeader } from '@seckill/contracts';
import { ServiceLogger } from '@seckill/observability';
import { ReadinessRegistry } from '@seckill/service-kit';
import type { GatewayConfig } from './config';
import { SoldOutSales } from './sold-out';
import { GATEWAY_CONFIG } from './tokens';

/** One warm-up request and the statuses it may get. */
export interface WarmUpCall {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly expected: readonly number[];
}

/**
 * The requests that warm the purchase route up; none can buy anything. In turn: the door's
 * sold-out answer for a sale only this gateway believes sold out (most answers of a flash sale);
 * a whole purchase of a sale that does not exist (token, input, the token buckets of that sale,
 * the concurrency limit, order-service's 404, or a 429 once its buckets are empty); an invalid
 * body; no token. `count` in all.
 */
export function warmUpCalls(
  count: number,
  saleIds: { readonly soldOut: string; readonly unknown: string },
  token: (i: number) => string,
): WarmUpCall[] {
  const json = { 'content-type': 'application/json' };
  return Array.from({ length: count }, (_, i): WarmUpCall => {
    const buyer = {
      ...json,
      [HotPathHeader.IdempotencyKey]: `warm-up-${i}`,
      authorization: `Bearer ${token(i)}`,
    };
    switch (i % 4) {
      case 0:
        // No token, no key: should the door not know the sale (its set was reset by a Redis
        // reconnect), the route answers 401 and nothing leaves the gateway.
        return { path: purchaseOf(saleIds.soldOut), headers: json, body: '{}', expected: [409] };
      case 1:
        return {
          path: purchaseOf(saleIds.unknown),
          headers: buyer,
          body: '{"quantity":1}',
          expected: [404, 429],
        };
      case 2:
        return {
          path: purchaseOf(saleIds.unknown),
          headers: buyer,
          body: '{"quantity":0}',
          expected: [400],
        };
      default:
        return { path: purchaseOf(saleIds.unknown), headers: json, body: '{}', expected: [401] };
    }
  });
}

const purchaseOf = (saleId: string) => `/api/sales/${saleId}/orders`;

export interface WarmUpResult {
  readonly sent: number;
  /** Answers with another status than expected (a shed answer while the loop lags, say). */
  readonly unexpected: number;
  readonly ms: number;
}

/** Sends `calls` with at most `concurrency` in flight; never throws (a failure is counted). */
export async function sendWarmUp(
  send: (call: WarmUpCall) => Promise<number>,
  calls: readonly WarmUpCall[],
  concurrency: number,
  now: () => number = () => performance.now(),
): Promise<WarmUpResult> {
  const started = now();
  let next = 0;
  let unexpected = 0;
  const worker = async () => {
    while (next < calls.length) {
      const call = calls[next++];
      const status = await send(call).catch(() => 0);
      if (!call.expected.includes(status)) unexpected += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
  return { sent: calls.length, unexpected, ms: Math.round(now() - started) };
}

/**
 * The first flash sale after a deploy meets a cold process: measured here, a burst of 2,000
 * buyers on a just-started gateway waited up to 1.9 s for answers that take 0.76 s once V8 has
 * compiled the purchase path. So the gateway warms that path up with `WARM_UP_REQUESTS` real
 * HTTP requests to itself, as soon as it listens, and reports not ready (`warm-up`) until they
 * are answered: the runner, compose and a load balancer send no crowd to a cold gateway. They
 * reach Redis (the buckets of a sale that does not exist, which expire within seconds) and
 * order-service (which answers 404 for it, and warms up its own path to that answer), and they
 * are counted like any others in the metrics.
 */
@Injectable()
export class HotPathWarmUp implements OnModuleInit {
  private done = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost<FastifyAdapter>,
    private readonly soldOut: SoldOutSales,
    private readonly codec: JwtCodec,
    private readonly logger: ServiceLogger,
    readiness: ReadinessRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.done = config.WARM_UP_REQUESTS === 0;
    readiness.register('warm-up', () =>
      this.done ? Promise.resolve() : Promise.reject(new Error('warming up the purchase route')),
    );
  }

  onModuleInit(): void {
    if (this.done) return;
    this.adapterHost.httpAdapter.getInstance().addHook('onListen', (done) => {
      void this.run();
      done();
    });
  }

  private async run(): Promise<void> {
    const run = randomUUID();
    const saleIds = { soldOut: `warm-up-sold-out-${run}`, unknown: `warm-up-unknown-${run}` };
    const host = ['0.0.0.0', '::'].includes(this.config.HOST) ? '127.0.0.1' : this.config.HOST;
    // As many at once as may be in flight to order-service: every upstream socket gets opened.
    const concurrency = this.config.UPSTREAM_MAX_IN_FLIGHT;
    const pool = new Pool(`http://${host}:${this.config.PORT}`, { connections: concurrency });
    // 200 buyers: the token cache sees misses and hits, and keeps room for the real crowd.
    const tokens = Array.from({ length: 200 }, (_, i) =>
      this.codec.sign({ userId: `warm-up-${i}`, role: 'user' }),
    );
    const calls = warmUpCalls(this.config.WARM_UP_REQUESTS, saleIds, (i) => tokens[i % 200]);
    // The stock channel's (re)subscription starts the sold-out set afresh: mark the sale after it.
    await this.untilListening(5_000);
    this.soldOut.apply(saleIds.soldOut, true);
    try {
      const result = await sendWarmUp(
        async (call) => {
          const { path, headers, body } = call;
          const answer = await pool.request({ method: 'POST', path, headers, body });
          await answer.body.dump();
          return answer.statusCode;
        },
        calls,
        concurrency,
      );
      this.logger.info({ ...result }, 'purchase route warmed up');
    } finally {
      this.soldOut.forget(saleIds.soldOut);
      this.done = true;
      await pool.close();
    }
  }

  private async untilListening(maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    while (!this.soldOut.isListening && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
