import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { Pool } from 'undici';
import { HotPathHeader, ProblemCode } from '@seckill/contracts';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { ProblemException, ReadinessRegistry } from '@seckill/service-kit';
import { ConcurrencyLimiter } from './concurrency-limiter';
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

/** A purchase to forward: its key (the client's or the gateway's) and its deadline. */
export interface PurchaseCall extends UpstreamCall {
  readonly idempotencyKey: string;
  /** Epoch ms: order-service admits nothing after it. */
  readonly deadline: number;
}

/**
 * What became of a forwarded purchase. Only `answered` carries order-service's word; the others
 * say exactly what the gateway knows:
 * - `shed`: never sent (no slot in flight within the deadline): certainly not admitted;
 * - `unavailable`: the connection was refused: certainly not admitted;
 * - `unknown`: sent, and no answer came (order-service died, or answered too late): it may or
 *   may not have been admitted; only a retry with the same key (or the order list) can tell.
 */
export type PurchaseOutcome =
  | { readonly kind: 'answered'; readonly answer: UpstreamAnswer }
  | { readonly kind: 'skipped' | 'shed' | 'unavailable' | 'unknown' };

/**
 * An abort signal that fires `ms` from now, but only after the event loop has read the I/O that
 * already arrived: a timer runs before the loop polls its sockets, so on a busy loop a plain
 * timeout would fire while the answer sits unread in the socket, and turn a 202 into
 * OUTCOME_UNKNOWN. setImmediate runs after the poll phase, so an answer that is there wins.
 */
function abortAfter(ms: number): { readonly signal: AbortSignal; cancel(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      setImmediate(() =>
        controller.abort(new DOMException('order-service did not answer in time', 'TimeoutError')),
      ),
    Math.max(1, Math.ceil(ms)),
  );
  return { signal: controller.signal, cancel: () => clearTimeout(timer) };
}

/** Errors that mean the request never left the gateway. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The gateway's only upstream, over a bounded pool of keep-alive connections (undici). Every
 * call has one deadline covering the wait for a free socket, connecting and the whole answer.
 * Whatever order-service answers is relayed; no answer (refused, reset, too slow) becomes
 * 503 UPSTREAM_UNAVAILABLE.
 *
 * Purchases go through `placeOrder` instead, behind the concurrency limit and with the
 * purchase's deadline, and it never calls "unavailable" what may have been admitted.
 */
@Injectable()
export class OrderServiceClient implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly failures: Counter<'reason'>;
  private readonly graceMs: number;
  readonly limiter: ConcurrencyLimiter;
  /** Log transitions, not every failed request: an outage must not flood the logs. */
  private answering = true;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    readiness: ReadinessRegistry,
    metrics: MetricsRegistry,
    private readonly logger: ServiceLogger,
  ) {
    this.timeoutMs = config.UPSTREAM_TIMEOUT_MS;
    this.graceMs = config.PURCHASE_ANSWER_GRACE_MS;
    this.limiter = new ConcurrencyLimiter({
      limit: config.UPSTREAM_MAX_IN_FLIGHT,
      maxWaiting: config.UPSTREAM_MAX_WAITING,
      standingAfterMs: config.UPSTREAM_STANDING_QUEUE_AFTER_MS,
      standingWaitMs: config.UPSTREAM_STANDING_QUEUE_WAIT_MS,
    });
    metrics.gauge('gateway_upstream_in_flight', 'Purchases in flight to order-service', [], (g) =>
      g.set(this.limiter.inFlight),
    );
    metrics.gauge(
      'gateway_upstream_waiting',
      'Purchases waiting for an in-flight slot to order-service',
      [],
      (g) => g.set(this.limiter.waiting),
    );
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
      this.noteAnswering();
      return { status: answer.statusCode, headers: relayedHeaders(answer.headers), body };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      this.noteFailure(error, timedOut ? 'timeout' : 'unavailable');
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

  /**
   * Forwards a purchase within its deadline: waits for an in-flight slot until the deadline at
   * most (then `shed`), sends the deadline along, and waits for the answer until the deadline
   * plus a grace period (order-service answers by the deadline; the grace covers the trip back).
   * `stillWanted` runs once a slot is held, right before sending: false (e.g. the sale sold out
   * while the request waited) gives `skipped` without forwarding.
   */
  async placeOrder(
    from: FastifyRequest,
    call: PurchaseCall,
    stillWanted: () => Promise<boolean>,
  ): Promise<PurchaseOutcome> {
    const permit = await this.limiter.acquire(call.deadline - Date.now());
    if (!permit) return { kind: 'shed' };
    const timeout = abortAfter(call.deadline + this.graceMs - Date.now());
    try {
      if (!(await stillWanted())) return { kind: 'skipped' };
      // Too late to be admitted: order-service would refuse it, so it is not sent at all.
      if (Date.now() >= call.deadline) return { kind: 'shed' };
      const headers = forwardedHeaders(from.headers, String(from.id), true);
      headers[HotPathHeader.IdempotencyKey] = call.idempotencyKey;
      headers[HotPathHeader.Deadline] = String(call.deadline);
      const answer = await this.pool.request({
        method: call.method,
        path: call.path,
        headers,
        body: JSON.stringify(call.body),
        signal: timeout.signal,
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      this.noteAnswering();
      return {
        kind: 'answered',
        answer: { status: answer.statusCode, headers: relayedHeaders(answer.headers), body },
      };
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      const sent = !(typeof code === 'string' && NOT_SENT.has(code));
      this.noteFailure(error, sent ? 'outcome_unknown' : 'unavailable');
      return { kind: sent ? 'unknown' : 'unavailable' };
    } finally {
      timeout.cancel();
      permit.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  private noteAnswering(): void {
    if (!this.answering) this.logger.info({}, 'order-service is answering again');
    this.answering = true;
  }

  private noteFailure(error: unknown, reason: string): void {
    this.failures.inc({ reason });
    if (this.answering) this.logger.warn({ err: error, reason }, 'order-service is not answering');
    this.answering = false;
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
