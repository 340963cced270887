import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import {
  Inject,
  Injectable,
  OnApplicationShutdown,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { Pool } from 'undici';
import { ProblemCode } from '@seckill/contracts';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { ProblemException } from '@seckill/service-kit';
import type { GatewayConfig } from './config';
import { forwardedHeaders, relayedHeaders, UpstreamAnswer } from './forwarding';
import { GATEWAY_CONFIG } from './tokens';

/** An upstream answer whose body is still arriving. */
export interface UpstreamStream {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Readable;
  /** Forget it for shutdown: it ended. */
  readonly done: () => void;
}

/** Bodies of the list route are small JSON documents; anything bigger is a fault. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Forwarding to notification-service, like OrderServiceClient's (same headers, request id,
 * UPSTREAM_TIMEOUT_MS deadline, 503 UPSTREAM_UNAVAILABLE when there is no answer), plus a
 * streamed variant for Server-Sent Events. Not part of the gateway's readiness: buying works
 * while notifications are down.
 */
@Injectable()
export class NotificationServiceClient implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly pool: Pool;
  /**
   * Streams hold their connection for as long as the client listens, so they get a pool of
   * their own with no connection cap, no size cap and no body timeout (the deadline covers
   * only the wait for the answer's headers).
   */
  private readonly streamPool: Pool;
  private readonly timeoutMs: number;
  private readonly failures: Counter<'reason'>;
  private readonly open = new Set<AbortController>();
  private answering = true;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    metrics: MetricsRegistry,
    private readonly logger: ServiceLogger,
  ) {
    this.timeoutMs = config.UPSTREAM_TIMEOUT_MS;
    const origin = new URL(config.NOTIFICATION_SERVICE_URL).origin;
    this.pool = new Pool(origin, {
      connections: config.UPSTREAM_CONNECTIONS,
      connectTimeout: config.UPSTREAM_TIMEOUT_MS,
      maxResponseSize: MAX_ANSWER_BYTES,
    });
    this.streamPool = new Pool(origin, {
      connectTimeout: config.UPSTREAM_TIMEOUT_MS,
      bodyTimeout: 0,
    });
    this.failures = metrics.counter(
      'gateway_notification_upstream_failures_total',
      'Forwarded requests notification-service did not answer, by reason',
      ['reason'],
    );
  }

  /** A plain call: the whole answer within the deadline. */
  async send(from: FastifyRequest, path: string): Promise<UpstreamAnswer> {
    try {
      const answer = await this.pool.request({
        method: 'GET',
        path,
        headers: forwardedHeaders(from.headers, String(from.id), false),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      this.upAgain();
      return { status: answer.statusCode, headers: relayedHeaders(answer.headers), body };
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /**
   * Opens the upstream stream; the deadline covers only the answer's headers. Rejects with the
   * 503 problem when there is no answer. `client` is the caller's response: if it goes away
   * while waiting, the upstream request is abandoned.
   */
  async openStream(
    from: FastifyRequest,
    path: string,
    headers: Record<string, string>,
    client: ServerResponse,
  ): Promise<UpstreamStream> {
    const abort = new AbortController();
    const deadline = setTimeout(() => {
      abort.abort(new DOMException('no answer in time', 'TimeoutError'));
    }, this.timeoutMs);
    const clientGone = () => abort.abort();
    client.once('close', clientGone);
    this.open.add(abort);
    try {
      const answer = await this.streamPool.request({
        method: 'GET',
        path,
        headers: { ...forwardedHeaders(from.headers, String(from.id), false), ...headers },
        signal: abort.signal,
      });
      this.upAgain();
      return {
        status: answer.statusCode,
        headers: relayedHeaders(answer.headers),
        body: answer.body,
        done: () => this.open.delete(abort),
      };
    } catch (error) {
      this.open.delete(abort);
      throw this.unavailable(error);
    } finally {
      clearTimeout(deadline);
      client.off('close', clientGone);
    }
  }

  /**
   * Pipes an opened stream into the caller's response as it arrives (never buffered). It ends
   * when either side ends it, and on the gateway's shutdown.
   */
  relay(upstream: UpstreamStream, to: ServerResponse, ownHeaders: Record<string, string>): void {
    const { body } = upstream;
    to.writeHead(upstream.status, {
      ...ownHeaders,
      ...upstream.headers,
      ...(upstream.status === 200 ? { 'x-accel-buffering': 'no' } : {}),
    });
    // Headers out now, not with the first event: the client knows the stream is up.
    to.flushHeaders();
    // An aborted body (client gone, shutdown) errors; either way the response ends.
    body.on('error', () => undefined);
    body.on('close', () => {
      upstream.done();
      if (!to.writableEnded) to.end();
    });
    to.on('close', () => body.destroy());
    body.pipe(to, { end: false });
  }

  /** Before the HTTP server closes: end every open stream, or they would hold the close up. */
  beforeApplicationShutdown(): void {
    for (const abort of this.open) abort.abort();
    this.open.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pool.close(), this.streamPool.destroy()]);
  }

  private upAgain(): void {
    if (!this.answering) this.logger.info({}, 'notification-service is answering again');
    this.answering = true;
  }

  private unavailable(error: unknown): ProblemException {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    const reason = timedOut ? 'timeout' : 'unavailable';
    this.failures.inc({ reason });
    if (this.answering)
      this.logger.warn({ err: error, reason }, 'notification-service is not answering');
    this.answering = false;
    return new ProblemException(
      503,
      ProblemCode.UpstreamUnavailable,
      timedOut
        ? `notification-service did not answer within ${this.timeoutMs} ms.`
        : 'notification-service is unavailable.',
      undefined,
      { 'retry-after': '1' },
    );
  }
}
