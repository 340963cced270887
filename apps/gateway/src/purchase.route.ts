import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, bearerToken, JwtCodec, type Principal } from '@seckill/auth';
import {
  HotPathHeader,
  idempotencyKeyHeader,
  type PlaceOrderRequest,
  placeOrderRequest,
  ProblemCode,
  resourceId,
} from '@seckill/contracts';
import { bearerChallenge, fieldErrors, problemBody, sendProblem } from '@seckill/service-kit';
import { AdmittedPurchases } from './admitted-purchases';
import type { GatewayConfig } from './config';
import { isSoldOutAnswer, problemCodeOf } from './forwarding';
import { OrderServiceClient } from './order-service.client';
import { rateLimitHeaders, SaleRateLimiter } from './rate-limit';
import { ShedAnswers } from './shed-answers';
import { SoldOutSales } from './sold-out';
import { GATEWAY_CONFIG } from './tokens';

/** The purchase route, served by Fastify directly (the OpenAPI test lists it with Nest's). */
export const PURCHASE_ROUTE = { method: 'POST', url: '/api/sales/:saleId/orders' } as const;

/** A purchase that passed the token and input checks. */
interface Purchase {
  readonly saleId: string;
  readonly caller: Principal;
  /** The client's key, if it sent one: only such a key can replay an earlier admission. */
  readonly clientKey: string | undefined;
  readonly order: PlaceOrderRequest;
}

/** Why a request is not a purchase: the 401 or 400 it gets, as the Nest pipeline would say. */
interface Refusal {
  readonly status: 400 | 401;
  readonly code: string;
  readonly detail: string;
  readonly errors?: ReturnType<typeof fieldErrors>;
  readonly headers?: Record<string, string>;
}

/**
 * `POST /api/sales/:saleId/orders`, the hot path, as a plain Fastify route: no Nest guard, pipe,
 * interceptor or exception on the way, because under a crowd this route is most of the traffic
 * and every answer it gives is one of a few known ones. PurchaseFrontDoor (an onRequest hook)
 * has already answered what it could (sold out, saturated) before the body was read. Here, the
 * cheapest check first: token, then input (the same answers, in the same order, as the Nest
 * pipeline gives on every other route), both token buckets in one Redis call, then order-service
 * behind the concurrency limit, within the purchase's deadline. Every purchase carries an
 * Idempotency-Key, the client's or one assigned here, and the answer returns it, so a client
 * that heard no answer can settle the outcome by retrying with it.
 */
@Injectable()
export class PurchaseRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost<FastifyAdapter>,
    private readonly codec: JwtCodec,
    private readonly orderService: OrderServiceClient,
    private readonly limiter: SaleRateLimiter,
    private readonly soldOut: SoldOutSales,
    private readonly answers: ShedAnswers,
    private readonly admitted: AdmittedPurchases,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    this.adapterHost.httpAdapter
      .getInstance()
      .route({ ...PURCHASE_ROUTE, handler: (request, reply) => this.handle(request, reply) });
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const purchase = this.purchaseOf(request);
    if ('status' in purchase) {
      return reply
        .status(purchase.status)
        .headers(purchase.headers ?? {})
        .type('application/problem+json')
        .send(
          problemBody(request, purchase.status, purchase.code, purchase.detail, purchase.errors),
        );
    }
    const { saleId, caller, clientKey, order } = purchase;
    const idempotencyKey = clientKey ?? `gw-${randomUUID()}`;
    void reply.header(HotPathHeader.IdempotencyKey, idempotencyKey);

    const decision = await this.limiter.take(saleId, caller.userId);
    if (decision === null) {
      // The buckets protect order-service, so they fail closed.
      return sendProblem(
        request,
        reply,
        503,
        ProblemCode.UpstreamUnavailable,
        'The rate limiter is unavailable; try again shortly.',
        { 'retry-after': '1' },
      );
    }
    if (!decision.allowed) return this.answers.rateLimited(request, reply, decision);

    // Counted from the request's arrival (Fastify's start time), not from here.
    const deadline = Math.round(Date.now() - reply.elapsedTime + this.config.PURCHASE_DEADLINE_MS);
    const snapshot = this.soldOut.snapshot();
    const outcome = await this.orderService.placeOrder(
      request,
      {
        method: 'POST',
        path: `/api/sales/${saleId}/orders`,
        body: order,
        idempotencyKey,
        deadline,
      },
      // A sale that sold out while this request waited for a slot is answered without
      // forwarding, unless the request replays a purchase that was admitted.
      async () =>
        !this.soldOut.has(saleId) ||
        (clientKey !== undefined &&
          (await this.admitted.includes(saleId, caller.userId, clientKey))),
    );
    switch (outcome.kind) {
      case 'answered': {
        const { answer } = outcome;
        if (isSoldOutAnswer(answer)) this.soldOut.learnFromAnswer(saleId, snapshot);
        if (problemCodeOf(answer, 503) === ProblemCode.DeadlineExceeded) {
          return this.answers.overloaded(request, reply, 'deadline');
        }
        return reply
          .status(answer.status)
          .headers({ ...answer.headers, ...rateLimitHeaders(decision) })
          .send(answer.body);
      }
      case 'skipped':
        return this.answers.soldOut(request, reply, saleId);
      case 'shed':
        return this.answers.overloaded(request, reply, 'concurrency');
      case 'unavailable':
        return sendProblem(
          request,
          reply,
          503,
          ProblemCode.UpstreamUnavailable,
          'order-service is unavailable; nothing was admitted.',
          { 'retry-after': '1' },
        );
      case 'unknown':
        return sendProblem(
          request,
          reply,
          503,
          ProblemCode.OutcomeUnknown,
          'order-service did not answer in time: the purchase may or may not have been ' +
            `admitted. Retry with Idempotency-Key ${idempotencyKey} to learn which, or list ` +
            `GET /api/users/me/orders?saleId=${saleId}.`,
          { 'retry-after': '1' },
        );
    }
  }

  /** The token first, then the sale id, the Idempotency-Key and the body, each in turn. */
  private purchaseOf(request: FastifyRequest): Purchase | Refusal {
    let caller: Principal;
    try {
      caller = this.codec.verify(bearerToken(request.headers.authorization));
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return {
        status: 401,
        code: ProblemCode.Unauthorized,
        detail: error.message,
        headers: { 'www-authenticate': bearerChallenge(error) },
      };
    }
    const saleId = resourceId.safeParse((request.params as { saleId?: unknown }).saleId);
    if (!saleId.success) return invalid(fieldErrors(saleId.error, 'saleId'));
    const key = idempotencyKeyHeader
      .optional()
      .safeParse(request.headers[HotPathHeader.IdempotencyKey]);
    if (!key.success) return invalid(fieldErrors(key.error, 'Idempotency-Key'));
    // No body at all counts as {}, as for every JSON body the Nest routes read.
    const order = placeOrderRequest.safeParse(request.body ?? {});
    if (!order.success) return invalid(fieldErrors(order.error));
    return { saleId: saleId.data, caller, clientKey: key.data, order: order.data };
  }
}

function invalid(errors: ReturnType<typeof fieldErrors>): Refusal {
  return {
    status: 400,
    code: ProblemCode.ValidationFailed,
    detail: 'The request is not valid; see errors.',
    errors,
  };
}
