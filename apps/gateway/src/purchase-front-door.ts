import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unverifiedSubject } from '@seckill/auth';
import { HotPathHeader, idempotencyKeyHeader, RESOURCE_ID_SOURCE } from '@seckill/contracts';
import { AdmittedPurchases } from './admitted-purchases';
import type { GatewayConfig } from './config';
import { EventLoopLag } from './event-loop-lag';
import { OrderServiceClient } from './order-service.client';
import { ShedAnswers } from './shed-answers';
import { SoldOutSales } from './sold-out';
import { GATEWAY_CONFIG } from './tokens';

/** `POST /api/sales/:saleId/orders`, the purchase route, with the sale id (query ignored). */
const PURCHASE = new RegExp(`^/api/sales/(${RESOURCE_ID_SOURCE})/orders(?:\\?.*)?$`);

/**
 * The purchase route's first check, in a Fastify `onRequest` hook: before the body is read,
 * before NestJS routes the request, before the token is verified. Under a crowd most purchases
 * end here, at the cost of a bare Fastify route:
 * - a sale this gateway knows to be sold out is answered 409 (public information: no token
 *   needed). One exception: a request whose Idempotency-Key was admitted before is a buyer
 *   settling an earlier purchase, and goes on to get its 202 (one Redis lookup, keyed requests
 *   of sold-out sales only);
 * - when the concurrency limit to order-service is saturated (every slot taken, the wait queue
 *   full), or the event loop runs later than SHED_EVENT_LOOP_LAG_MS (the crowd is queueing where
 *   no deadline sees it), the request is answered 503 OVERLOADED at once.
 * Everything else continues to PurchaseRoute.
 */
@Injectable()
export class PurchaseFrontDoor implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost<FastifyAdapter>,
    private readonly soldOut: SoldOutSales,
    private readonly orderService: OrderServiceClient,
    private readonly answers: ShedAnswers,
    private readonly admitted: AdmittedPurchases,
    private readonly lag: EventLoopLag,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    this.adapterHost.httpAdapter
      .getInstance()
      .addHook('onRequest', (request, reply, done) => this.screen(request, reply, done));
  }

  /** The hook: answers the request itself, or calls `done` to let it through. */
  screen(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    if (request.method !== 'POST') return done();
    const saleId = PURCHASE.exec(request.url)?.[1];
    if (saleId === undefined) return done();
    if (this.soldOut.has(saleId)) {
      void this.answerSoldOut(request, reply, saleId, done);
      return;
    }
    if (this.orderService.limiter.saturated) {
      void this.answers.overloaded(request, reply, 'concurrency');
      return;
    }
    if (this.lag.currentMs > this.config.SHED_EVENT_LOOP_LAG_MS) {
      void this.answers.overloaded(request, reply, 'event_loop');
      return;
    }
    done();
  }

  private async answerSoldOut(
    request: FastifyRequest,
    reply: FastifyReply,
    saleId: string,
    done: () => void,
  ): Promise<void> {
    if (await this.wasAdmitted(request, saleId)) return done();
    void this.answers.soldOut(request, reply, saleId);
  }

  private wasAdmitted(request: FastifyRequest, saleId: string): Promise<boolean> | false {
    const key = request.headers[HotPathHeader.IdempotencyKey];
    if (typeof key !== 'string' || !idempotencyKeyHeader.safeParse(key).success) return false;
    // Not verified: only a lookup. A replay goes on, and is verified like any request.
    const userId = unverifiedSubject(request.headers.authorization);
    return userId !== null && this.admitted.includes(saleId, userId, key);
  }
}
