import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import type { z } from 'zod';
import { MetricsRegistry } from '@seckill/observability';

/** The three services the synchronous baseline calls, in the order it calls them. */
export type SyncDependency = 'inventory-service' | 'payment-service' | 'logistics-service';

export interface SyncCallsOptions {
  readonly urls: Readonly<Record<SyncDependency, string>>;
  /** The whole budget of one call: a socket, the request, the answer. */
  readonly timeoutMs: number;
  /** Keep-alive sockets per service. */
  readonly connections: number;
}

/**
 * What a call came to. `refused` is a definite "no" (a 4xx problem answer: nothing was done);
 * `unreachable` is a connection that never opened (the request was never sent: nothing was
 * done either); `failed` is no answer or a 5xx on a request that was sent, after which the
 * callee may or may not have acted: only an idempotent compensation can settle it.
 */
export type SyncCallResult<T> =
  | { readonly kind: 'done'; readonly body: T }
  | { readonly kind: 'unreachable'; readonly reason: string }
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly code: string;
      readonly detail: string;
    }
  | { readonly kind: 'failed'; readonly reason: string };

const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The baseline's HTTP calls to inventory, payment and logistics: one keep-alive pool per
 * service, one timeout per call, no retry here (every callee is idempotent per order id, and
 * the flow decides what a failure means). This is the coupling the seed describes: each call's
 * latency adds to the buyer's, and each service's outage is the buyer's.
 */
@Injectable()
export class SyncCalls implements OnApplicationShutdown {
  private readonly pools: Map<SyncDependency, Pool>;
  private readonly calls;

  constructor(
    private readonly options: SyncCallsOptions,
    metrics: MetricsRegistry,
  ) {
    this.pools = new Map(
      (Object.keys(options.urls) as SyncDependency[]).map((service) => [
        service,
        new Pool(new URL(options.urls[service]).origin, {
          connections: options.connections,
          connectTimeout: options.timeoutMs,
          maxResponseSize: MAX_ANSWER_BYTES,
        }),
      ]),
    );
    this.calls = metrics.counter(
      'seckill_sync_calls_total',
      'Calls of the synchronous baseline to the saga services, by service and result',
      ['service', 'result'],
    );
  }

  async post<T>(
    service: SyncDependency,
    path: string,
    body: unknown,
    answer: z.ZodType<T>,
  ): Promise<SyncCallResult<T>> {
    const result = await this.send(service, path, body, answer);
    this.calls.inc({ service, result: result.kind });
    return result;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }

  private async send<T>(
    service: SyncDependency,
    path: string,
    body: unknown,
    answer: z.ZodType<T>,
  ): Promise<SyncCallResult<T>> {
    const pool = this.pools.get(service);
    if (!pool) return { kind: 'failed', reason: `no URL for ${service}` };
    let status: number;
    let text: string;
    try {
      const response = await pool.request({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      if (neverSent(error)) {
        return { kind: 'unreachable', reason: `${service} is unreachable (${errorCode(error)})` };
      }
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      return {
        kind: 'failed',
        reason: timedOut
          ? `${service} did not answer within ${this.options.timeoutMs} ms`
          : `${service} is unreachable (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    if (status >= 500) return { kind: 'failed', reason: `${service} answered ${status}` };
    const json = parseJson(text);
    if (status >= 400) {
      const problem = json as { code?: unknown; detail?: unknown } | null;
      return {
        kind: 'refused',
        status,
        code: typeof problem?.code === 'string' ? problem.code : `HTTP_${status}`,
        detail:
          typeof problem?.detail === 'string' ? problem.detail : `${service} answered ${status}`,
      };
    }
    const parsed = answer.safeParse(json);
    // A 2xx we cannot read is not a "no": the callee acted, so it is settled like a failure.
    if (!parsed.success)
      return { kind: 'failed', reason: `${service} answered ${status} with an unexpected body` };
    return { kind: 'done', body: parsed.data };
  }
}

/**
 * The connection was refused or never opened, so the request never left this process. A reset
 * or a close on an open keep-alive socket is not this: the request may have been read.
 */
function neverSent(error: unknown): boolean {
  return ['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN'].includes(
    errorCode(error),
  );
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'no code';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
