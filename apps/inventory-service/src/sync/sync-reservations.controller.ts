import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  syncCompensationRequest,
  type SyncReleaseResponse,
  syncReserveRequest,
  type SyncReserveRequest,
  type SyncReserveResponse,
  SyncRoute,
} from '@seckill/contracts';
import { sendProblem, Zod } from '@seckill/service-kit';
import { SyncReservationService } from './sync-reservation.service';

/** The order id in a path: any id the contract's bodies allow. */
const orderIdParam = Zod.named('orderId', z.string().min(1).max(128));

/**
 * The synchronous baseline's stock calls (internal: the gateway never forwards them), made by
 * order-service for a sale sold with `flow: "sync"`. See `SyncReservationService`.
 */
@Controller()
export class SyncReservationsController {
  constructor(private readonly reservations: SyncReservationService) {}

  /**
   * 201 when the units are taken (or were, by an earlier call for the order); 404 SALE_NOT_FOUND,
   * 409 SOLD_OUT / INSUFFICIENT_STOCK / LIMIT_REACHED / IDEMPOTENCY_KEY_REUSED, or 409 CONFLICT
   * for an order already released. Refusals are sent without an exception: under a crowd most
   * answers are refusals, as on the event-driven hot path.
   */
  @Post(SyncRoute.Reserve)
  async reserve(
    @Body(Zod.body(syncReserveRequest)) body: SyncReserveRequest,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const outcome = await this.reservations.reserve(body);
    if (outcome.kind === 'refused') {
      return sendProblem(request, reply, outcome.status, outcome.code, outcome.detail);
    }
    const answer: SyncReserveResponse = {
      orderId: body.orderId,
      reservationId: outcome.reservationId,
      status: 'RESERVED',
    };
    return reply.status(201).send(answer);
  }

  /**
   * 200 whatever the order held: the compensation of a chain that failed after (or instead of)
   * the reservation. The body (`syncCompensationRequest`: the order's sale and buyer) only names
   * a tombstone; it is read leniently, because a compensation refused for its body would leave
   * stock held.
   */
  @Post(SyncRoute.Release)
  @HttpCode(200)
  async release(
    @Param('orderId', orderIdParam) orderId: string,
    @Body() body: unknown,
  ): Promise<SyncReleaseResponse> {
    const about = syncCompensationRequest.safeParse(body ?? {});
    await this.reservations.release(orderId, about.success ? about.data : {});
    return { orderId, status: 'RELEASED' };
  }
}
