import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  SyncRoute,
  syncShipRequest,
  type SyncShipRequest,
  type SyncShipResponse,
} from '@seckill/contracts';
import { sendProblem, Zod } from '@seckill/service-kit';
import { SyncShipmentService } from './sync-shipment.service';

/**
 * The synchronous baseline's shipment call (internal: the gateway never forwards it), made by
 * order-service for a sale sold with `flow: "sync"`. See `SyncShipmentService`.
 */
@Controller()
export class SyncShipmentsController {
  constructor(private readonly shipments: SyncShipmentService) {}

  /**
   * 201 with the shipment (the first one, for a repeated order id); 409 CONFLICT for an order
   * whose shipment was cancelled, IDEMPOTENCY_KEY_REUSED for its id with other parameters.
   */
  @Post(SyncRoute.Ship)
  async ship(
    @Body(Zod.body(syncShipRequest)) body: SyncShipRequest,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const outcome = await this.shipments.ship(body);
    if (outcome.kind === 'refused') {
      return sendProblem(request, reply, outcome.status, outcome.code, outcome.detail);
    }
    const answer: SyncShipResponse = {
      orderId: body.orderId,
      trackingNumber: outcome.trackingNumber,
      status: 'CREATED',
    };
    return reply.status(201).send(answer);
  }
}
