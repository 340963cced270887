import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import type { Principal } from '@seckill/auth';
import {
  type CreateSaleRequest,
  createSaleRequest,
  idempotencyKeyHeader,
  type PlaceOrderRequest,
  placeOrderRequest,
  ProblemCode,
} from '@seckill/contracts';
import { MetricsRegistry } from '@seckill/observability';
import {
  Authenticated,
  CurrentPrincipal,
  ProblemException,
  RequestHeader,
  resourceId,
  Zod,
} from '@seckill/service-kit';
import { isSoldOutAnswer, UpstreamAnswer } from './forwarding';
import { OrderServiceClient } from './order-service.client';
import { rateLimited, rateLimitHeaders, SaleRateLimiter } from './rate-limit';
import { SoldOutSales } from './sold-out';

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
  private readonly shed: Counter<'reason'>;

  constructor(
    private readonly orderService: OrderServiceClient,
    private readonly limiter: SaleRateLimiter,
    private readonly soldOut: SoldOutSales,
    metrics: MetricsRegistry,
  ) {
    this.shed = metrics.counter(
      'gateway_shed_requests_total',
      'Purchase requests answered by the gateway without calling order-service, by reason',
      ['reason'],
    );
  }

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
   * The hot path, cheapest check first: token and input (in the guard and pipes), then the
   * local sold-out set (no I/O: a sold-out sale costs neither a bucket token nor a Redis round
   * trip), then both token buckets in one Redis call, then order-service. The Idempotency-Key
   * is only validated here; it travels on with the other forwarded headers.
   */
  @Post('sales/:saleId/orders')
  @Authenticated()
  async placeOrder(
    @Param('saleId', saleIdParam) saleId: string,
    @RequestHeader('idempotency-key', Zod.named('Idempotency-Key', idempotencyKeyHeader.optional()))
    _idempotencyKey: string | undefined,
    @Body(Zod.body(placeOrderRequest)) order: PlaceOrderRequest,
    @CurrentPrincipal() caller: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (this.soldOut.has(saleId)) {
      this.shed.inc({ reason: 'sold_out' });
      throw new ProblemException(409, ProblemCode.SoldOut, `Sale ${saleId} is sold out.`);
    }
    const decision = await this.limiter.take(saleId, caller.userId);
    if (!decision.allowed) {
      this.shed.inc({ reason: `rate_limited_${decision.bucket}` });
      throw rateLimited(decision);
    }
    const snapshot = this.soldOut.snapshot();
    const answer = await this.orderService.send(request, {
      method: 'POST',
      path: `/api/sales/${saleId}/orders`,
      body: order,
    });
    if (isSoldOutAnswer(answer)) this.soldOut.learnFromAnswer(saleId, snapshot);
    relay(reply, answer, rateLimitHeaders(decision));
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
