import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { ProblemCode } from '@seckill/contracts';
import { MetricsRegistry } from '@seckill/observability';
import type { RateLimitDecision } from '@seckill/redis';
import { sendProblem } from '@seckill/service-kit';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit';

type Request = Pick<FastifyRequest, 'url' | 'id'>;

/** How long a shed client should wait; clients add jitter (docs/hot-path.md). */
const OVERLOADED_RETRY_AFTER_SECONDS = '1';

/**
 * The purchase answers the gateway gives without order-service: sold out, rate limited,
 * overloaded. Under a crowd they are most answers, so they are sent directly (no exception,
 * no filter) and counted by reason in `gateway_shed_requests_total`.
 */
@Injectable()
export class ShedAnswers {
  private readonly shed: Counter<'reason'>;

  constructor(metrics: MetricsRegistry) {
    this.shed = metrics.counter(
      'gateway_shed_requests_total',
      'Purchase requests answered by the gateway without calling order-service, by reason',
      ['reason'],
    );
  }

  soldOut(request: Request, reply: FastifyReply, saleId: string): FastifyReply {
    this.shed.inc({ reason: 'sold_out' });
    return sendProblem(request, reply, 409, ProblemCode.SoldOut, `Sale ${saleId} is sold out.`);
  }

  rateLimited(request: Request, reply: FastifyReply, decision: RateLimitDecision): FastifyReply {
    this.shed.inc({ reason: `rate_limited_${decision.bucket}` });
    const retryAfter = retryAfterSeconds(decision);
    const whose = decision.bucket === 'global' ? 'this sale' : 'you on this sale';
    return sendProblem(
      request,
      reply,
      429,
      ProblemCode.RateLimited,
      `Too many requests for ${whose}; retry after ${retryAfter} s.`,
      { ...rateLimitHeaders(decision), 'retry-after': String(retryAfter) },
    );
  }

  /** Nothing was admitted: the concurrency limit, the deadline or the loop's lag came first. */
  overloaded(
    request: Request,
    reply: FastifyReply,
    reason: 'concurrency' | 'deadline' | 'event_loop',
  ): FastifyReply {
    this.shed.inc({ reason: `overloaded_${reason}` });
    return sendProblem(
      request,
      reply,
      503,
      ProblemCode.Overloaded,
      'The shop is at capacity; your purchase was not admitted. Retry after the Retry-After ' +
        'delay, with the same Idempotency-Key.',
      { 'retry-after': OVERLOADED_RETRY_AFTER_SECONDS },
    );
  }
}
