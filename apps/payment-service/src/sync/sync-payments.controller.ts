import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  syncChargeRequest,
  syncCompensationRequest,
  type SyncChargeRequest,
  type SyncChargeResponse,
  type SyncRefundResponse,
  SyncRoute,
} from '@seckill/contracts';
import { sendProblem, Zod } from '@seckill/service-kit';
import { SyncPaymentService } from './sync-payment.service';

/** The order id in a path: any id the contract's bodies allow. */
const orderIdParam = Zod.named('orderId', z.string().min(1).max(128));

/**
 * The synchronous baseline's payment calls (internal: the gateway never forwards them), made by
 * order-service for a sale sold with `flow: "sync"`. See `SyncPaymentService`.
 */
@Controller()
export class SyncPaymentsController {
  constructor(private readonly payments: SyncPaymentService) {}

  /**
   * 201 when captured (or already was); 402 PAYMENT_DECLINED; 409 CONFLICT for an order already
   * compensated, IDEMPOTENCY_KEY_REUSED for its id with other parameters; 504
   * UPSTREAM_UNAVAILABLE when the provider kept timing out (the payment stays PENDING). Refusals
   * are sent without an exception, like every other answer the code chose.
   */
  @Post(SyncRoute.Charge)
  async charge(
    @Body(Zod.body(syncChargeRequest)) body: SyncChargeRequest,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const outcome = await this.payments.charge(body);
    if (outcome.kind === 'refused') {
      return sendProblem(request, reply, outcome.status, outcome.code, outcome.detail);
    }
    const answer: SyncChargeResponse = { orderId: body.orderId, status: 'CAPTURED' };
    return reply.status(201).send(answer);
  }

  /**
   * 200 REFUNDED when money was taken (and is given back), VOIDED when none was. The body
   * (`syncCompensationRequest`: the order's sale and buyer) only names a tombstone; it is read
   * leniently, because a compensation refused for its body would keep the buyer's money.
   */
  @Post(SyncRoute.Refund)
  @HttpCode(200)
  async refund(
    @Param('orderId', orderIdParam) orderId: string,
    @Body() body: unknown,
  ): Promise<SyncRefundResponse> {
    const about = syncCompensationRequest.safeParse(body ?? {});
    return {
      orderId,
      status: await this.payments.refund(orderId, about.success ? about.data : {}),
    };
  }
}
