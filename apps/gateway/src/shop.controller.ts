import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@seckill/auth';
import {
  type CreateSaleRequest,
  createSaleRequest,
  HotPathHeader,
  idempotencyKeyHeader,
  myOrdersQuery,
  type MyOrdersQuery,
  type PlaceOrderRequest,
  placeOrderRequest,
  ProblemCode,
} from '@seckill/contracts';
import {
  Authenticated,
  CurrentPrincipal,
  ProblemException,
  RequestHeader,
  resourceId,
  Zod,
} from '@seckill/service-kit';
import { AdmittedPurchases } from './admitted-purchases';
import type { GatewayConfig } from './config';
import { isSoldOutAnswer, problemCodeOf, UpstreamAnswer } from './forwarding';
import { OrderServiceClient } from './order-service.client';
import { rateLimitHeaders, SaleRateLimiter } from './rate-limit';
import { ShedAnswers } from './shed-answers';
import { SoldOutSales } from './sold-out';
import { GATEWAY_CONFIG } from './tokens';

const saleIdParam = Zod.named('saleId', resourceId);
const orderIdParam = Zod.named('orderId', resourceId);

/**
 * The public shop API. Every route checks what the gateway can check alone (token, role, input)
 * and forwards the rest to order-service, relaying its answer. The purchase route also sheds
 * load before it reaches order-service: sold-out sales are answered here, and the token buckets
 * decide what is forwarded.
 */
@Controller('api')
export class ShopController {
  constructor(
    private readonly orderService: OrderServiceClient,
    private readonly limiter: SaleRateLimiter,
    private readonly soldOut: SoldOutSales,
    private readonly answers: ShedAnswers,
    private readonly admitted: AdmittedPurchases,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('admin/sales')
  @Authenticated('admin')
  async createSale(
    @RequestHeader('idempotency-key', Zod.named('Idempotency-Key', idempotencyKeyHeader.optional()))
    _idempotencyKey: string | undefined,
    @Body(Zod.body(createSaleRequest)) sale: CreateSaleRequest,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.orderService.send(request, {
      method: 'POST',
      path: '/api/admin/sales',
      body: sale,
    });
    relay(reply, answer);
  }

  @Get('sales/:saleId')
  async getSale(
    @Param('saleId', saleIdParam) saleId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.orderService.send(request, {
      method: 'GET',
      path: `/api/sales/${saleId}`,
    });
    relay(reply, answer);
  }

  /**
   * The hot path, cheapest check first. PurchaseFrontDoor has already answered what it could
   * (sold out, saturated) before this pipeline ran. Here: token and input (guard and pipes),
   * both token buckets in one Redis call, then order-service behind the concurrency limit,
   * within the purchase's deadline. Every purchase carries an Idempotency-Key, the client's or
   * one assigned here, and the answer returns it, so a client that heard no answer can settle
   * the outcome by retrying with it.
   */
  @Post('sales/:saleId/orders')
  @Authenticated()
  async placeOrder(
    @Param('saleId', saleIdParam) saleId: string,
    @RequestHeader('idempotency-key', Zod.named('Idempotency-Key', idempotencyKeyHeader.optional()))
    clientKey: string | undefined,
    @Body(Zod.body(placeOrderRequest)) order: PlaceOrderRequest,
    @CurrentPrincipal() caller: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const idempotencyKey = clientKey ?? `gw-${randomUUID()}`;
    void reply.header(HotPathHeader.IdempotencyKey, idempotencyKey);
    const decision = await this.limiter.take(saleId, caller.userId);
    if (!decision.allowed) {
      void this.answers.rateLimited(request, reply, decision);
      return;
    }
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
          void this.answers.overloaded(request, reply, 'deadline');
          return;
        }
        relay(reply, answer, rateLimitHeaders(decision));
        return;
      }
      case 'skipped':
        void this.answers.soldOut(request, reply, saleId);
        return;
      case 'shed':
        void this.answers.overloaded(request, reply, 'concurrency');
        return;
      case 'unavailable':
        throw new ProblemException(
          503,
          ProblemCode.UpstreamUnavailable,
          'order-service is unavailable; nothing was admitted.',
          undefined,
          { 'retry-after': '1' },
        );
      case 'unknown':
        throw new ProblemException(
          503,
          ProblemCode.OutcomeUnknown,
          'order-service did not answer in time: the purchase may or may not have been ' +
            `admitted. Retry with Idempotency-Key ${idempotencyKey} to learn which, or list ` +
            `GET /api/users/me/orders?saleId=${saleId}.`,
          undefined,
          { 'retry-after': '1' },
        );
    }
  }

  /** The caller's orders (optionally of one sale): how a client settles an uncertain answer. */
  @Get('users/me/orders')
  @Authenticated()
  async myOrders(
    @Query(Zod.body(myOrdersQuery)) query: MyOrdersQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const search = query.saleId === undefined ? '' : `?saleId=${query.saleId}`;
    const answer = await this.orderService.send(request, {
      method: 'GET',
      path: `/api/users/me/orders${search}`,
    });
    relay(reply, answer);
  }

  @Get('orders/:orderId')
  @Authenticated()
  async getOrder(
    @Param('orderId', orderIdParam) orderId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.orderService.send(request, {
      method: 'GET',
      path: `/api/orders/${orderId}`,
    });
    relay(reply, answer);
  }
}

function relay(reply: FastifyReply, answer: UpstreamAnswer, extra: Record<string, string> = {}) {
  void reply
    .status(answer.status)
    .headers({ ...answer.headers, ...extra })
    .send(answer.body);
}
