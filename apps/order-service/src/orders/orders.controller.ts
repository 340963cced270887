import { Body, Controller, Get, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@seckill/auth';
import {
  deadlineHeader,
  HotPathHeader,
  idempotencyKeyHeader,
  myOrdersQuery,
  type MyOrdersQuery,
  type MyOrdersResponse,
  type OrderResponse,
  placeOrderRequest,
  type PlaceOrderRequest,
  ProblemCode,
  SaleFlow,
  isIssuedId,
} from '@seckill/contracts';
import {
  Authenticated,
  CurrentPrincipal,
  ProblemException,
  sendProblem,
  Zod,
} from '@seckill/service-kit';
import { AdmissionService } from './admission.service';
import { SyncOrderFlow } from '../sync/sync-order-flow';
import { SyncSales } from '../sync/sync-sales';
import { OrderQueries } from './order-queries';

const idempotencyKey = Zod.named('idempotency-key', idempotencyKeyHeader.optional());
const deadline = Zod.named(HotPathHeader.Deadline, deadlineHeader.optional());

@Controller('api')
export class OrdersController {
  constructor(
    private readonly admission: AdmissionService,
    private readonly orders: OrderQueries,
    private readonly syncSales: SyncSales,
    private readonly syncFlow: SyncOrderFlow,
  ) {}

  /**
   * 202 with the order id once the order is admitted (and, normally, on Kafka); a replayed
   * Idempotency-Key gets the first answer again. A sale of the synchronous baseline answers 201
   * once the order is shipped (or a refusal; see SyncOrderFlow). 404 SALE_NOT_FOUND, 403 SALE_NOT_OPEN,
   * 409 SOLD_OUT or LIMIT_REACHED otherwise; 503 DEADLINE_EXCEEDED (nothing admitted) when the
   * gateway's deadline (`x-seckill-deadline`) passed before admission could run. Refusals are
   * sent as they are, without an exception: under a crowd they are most answers.
   */
  @Post('sales/:saleId/orders')
  @Authenticated('user', 'admin')
  async place(
    @Param('saleId') saleId: string,
    @Body(Zod.body(placeOrderRequest)) body: PlaceOrderRequest,
    @Headers(HotPathHeader.IdempotencyKey) rawKey: string | undefined,
    @Headers(HotPathHeader.Deadline) rawDeadline: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const key = idempotencyKey.transform(rawKey);
    const answerBy = deadline.transform(rawDeadline);
    if (!isIssuedId(saleId)) {
      const detail = `Sale ${saleId} does not exist.`;
      return sendProblem(request, reply, 404, ProblemCode.SaleNotFound, detail);
    }
    const order = {
      saleId,
      userId: principal.userId,
      quantity: body.quantity,
      idempotencyKey: key ?? null,
      deadline: answerBy ?? null,
    };
    const placement = await this.admission.place(order);
    if ('accepted' in placement) return reply.status(202).send(placement.accepted);
    if (placement.refused.code === ProblemCode.SaleNotFound) {
      // Not in Redis: it may be a sale of the synchronous baseline (ADR 0012), asked only now so
      // that the event-driven path pays nothing for it.
      const syncSale = await this.syncSales.find(saleId);
      if (syncSale) {
        const synced = await this.syncFlow.place(syncSale, order);
        void reply.header(HotPathHeader.Flow, SaleFlow.Sync);
        if ('shipped' in synced) return reply.status(201).send(synced.shipped);
        const { status, code, detail, headers } = synced.refused;
        return sendProblem(request, reply, status, code, detail, headers);
      }
    }
    const { status, code, detail, headers } = placement.refused;
    return sendProblem(request, reply, status, code, detail, headers);
  }

  /**
   * The caller's orders, newest first (optionally of one sale): how a client settles a purchase
   * whose answer it never heard. Includes orders admitted a moment ago that the read model has
   * not consumed yet.
   */
  @Get('users/me/orders')
  @Authenticated()
  async mine(
    @Query(Zod.body(myOrdersQuery)) query: MyOrdersQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MyOrdersResponse> {
    return { items: await this.orders.listOwned(principal.userId, query.saleId) };
  }

  /** The caller's own order; anyone else's, like an unknown one, is 404 ORDER_NOT_FOUND. */
  @Get('orders/:orderId')
  @Authenticated()
  async get(
    @Param('orderId') orderId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderResponse> {
    const order = isIssuedId(orderId)
      ? await this.orders.findOwned(orderId, principal.userId)
      : null;
    if (!order) {
      throw new ProblemException(404, ProblemCode.OrderNotFound, `Order ${orderId} was not found.`);
    }
    return order;
  }
}
