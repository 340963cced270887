import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type CreateSaleRequest,
  createSaleRequest,
  idempotencyKeyHeader,
  myOrdersQuery,
  type MyOrdersQuery,
  resourceId,
} from '@seckill/contracts';
import { Authenticated, RequestHeader, Zod } from '@seckill/service-kit';
import type { UpstreamAnswer } from './forwarding';
import { OrderServiceClient } from './order-service.client';

const saleIdParam = Zod.named('saleId', resourceId);
const orderIdParam = Zod.named('orderId', resourceId);

/**
 * The public shop API. Every route checks what the gateway can check alone (token, role, input)
 * and forwards the rest to order-service, relaying its answer. The purchase itself, most of the
 * traffic in a sale, is PurchaseRoute: a plain Fastify route with its own shedding.
 */
@Controller('api')
export class ShopController {
  constructor(private readonly orderService: OrderServiceClient) {}

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

function relay(reply: FastifyReply, answer: UpstreamAnswer) {
  void reply.status(answer.status).headers(answer.headers).send(answer.body);
}
