import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { Pool } from 'undici';
import { ProblemCode } from '@seckill/contracts';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { ProblemException, ReadinessRegistry } from '@seckill/service-kit';
import type { GatewayConfig } from './config';
import { forwardedHeaders, relayedHeaders, UpstreamAnswer } from './forwarding';
import { GATEWAY_CONFIG } from './tokens';

export interface UpstreamCall {
  readonly method: 'GET' | 'POST';
  /** Built by the gateway from validated parameters, never the caller's raw URL. */
  readonly path: string;
  /** Already validated; sent as JSON, so order-service receives exactly what was checked. */
  readonly body?: unknown;
}

/** Bodies order-service sends are small JSON documents; anything bigger is a fault. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * The gateway's only upstream, over a bounded pool of keep-alive connections (undici). Every
 * call has one deadline covering the wait for a free socket, connecting and the whole answer.
 * Whatever order-service answers is relayed; no answer (refused, reset, too slow) becomes
 * 503 UPSTREAM_UNAVAILABLE. After a timeout an order may or may not have been admitted: the
 * client retries with the same Idempotency-Key and gets the first answer.
 */
@Injectable()
export class OrderServiceClient implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly failures: Counter<'reason'>;
  /** Log transitions, not every failed request: an outage must not flood the logs. */
  private answering = true;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    readiness: ReadinessRegistry,
    metrics: MetricsRegistry,
    private readonly logger: ServiceLogger,
  ) {
    this.timeoutMs = config.UPSTREAM_TIMEOUT_MS;
    this.pool = new Pool(new URL(config.ORDER_SERVICE_URL).origin, {
      connections: config.UPSTREAM_CONNECTIONS,
      connectTimeout: config.UPSTREAM_TIMEOUT_MS,
      maxResponseSize: MAX_ANSWER_BYTES,
    });
    this.failures = metrics.counter(
      'gateway_upstream_failures_total',
      'Forwarded requests order-service did not answer, by reason',
      ['reason'],
    );
    readiness.register('order-service', () => this.checkLive());
  }

  async send(from: FastifyRequest, call: UpstreamCall): Promise<UpstreamAnswer> {
    const hasBody = call.body !== undefined;
    try {
      const answer = await this.pool.request({
        method: call.method,
        path: call.path,
        headers: forwardedHeaders(from.headers, String(from.id), hasBody),
        body: hasBody ? JSON.stringify(call.body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      if (!this.answering) this.logger.info({}, 'order-service is answering again');
      this.answering = true;
      return { status: answer.statusCode, headers: relayedHeaders(answer.headers), body };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const reason = timedOut ? 'timeout' : 'unavailable';
      this.failures.inc({ reason });
      if (this.answering)
        this.logger.warn({ err: error, reason }, 'order-service is not answering');
      this.answering = false;
      throw new ProblemException(
        503,
        ProblemCode.UpstreamUnavailable,
        timedOut
          ? `order-service did not answer within ${this.timeoutMs} ms.`
          : 'order-service is unavailable.',
        undefined,
        { 'retry-after': '1' },
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  private async checkLive(): Promise<void> {
    const answer = await this.pool.request({
      method: 'GET',
      path: '/health/live',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await answer.body.dump();
    if (answer.statusCode !== 200) throw new Error(`order-service answered ${answer.statusCode}`);
  }
}
