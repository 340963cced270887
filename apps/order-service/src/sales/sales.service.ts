import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  createEvent,
  SaleFlow,
  type CreateSaleRequest,
  ProblemCode,
  type SaleResponse,
} from '@seckill/contracts';
import { outboxRowOf } from '@seckill/persistence';
import { loadSaleStock, RedisConnection, saleKeys } from '@seckill/redis';
import { ProblemException } from '@seckill/service-kit';
import { OrderDatabase } from '../database';
import { ProducedEvents } from '../events';
import { Prisma, type Sale } from '../generated/prisma/client';
import { OutboxRelays } from '../outbox/outbox-relays';
import { stockSnapshot, toSaleResponse } from './sale-view';

/** Who asked for a sale, and the key that makes asking again safe. */
export interface SaleCommand {
  readonly adminId: string;
  readonly idempotencyKey: string | null;
}

@Injectable()
export class SalesService {
  constructor(
    private readonly db: OrderDatabase,
    private readonly redis: RedisConnection,
    private readonly events: ProducedEvents,
    private readonly relays: OutboxRelays,
  ) {}

  /**
   * Stores the sale and its `sale.published` outbox row in one transaction (the relay publishes
   * it, so inventory-service learns of every stored sale, even if this process dies now), then
   * loads its stock into Redis, which announces `soldOut: false` on the stock channel.
   *
   * With an Idempotency-Key, asking again (a timeout, a retry) answers with the sale the first
   * request created; the same key with a different sale is 422 IDEMPOTENCY_KEY_REUSED. The
   * unique (created_by, idempotency_key) index decides between two requests racing.
   */
  async create(request: CreateSaleRequest, command: SaleCommand): Promise<SaleResponse> {
    if (command.idempotencyKey !== null) {
      const first = await this.findByKey(command.adminId, command.idempotencyKey);
      if (first) return this.replay(first, request);
    }
    const sale: Sale = {
      id: randomUUID(),
      name: request.name,
      priceCents: request.price,
      stock: request.stock,
      perUserLimit: request.perUserLimit,
      startsAt: new Date(request.startsAt),
      endsAt: new Date(request.endsAt),
      createdAt: new Date(),
      createdBy: command.adminId,
      idempotencyKey: command.idempotencyKey,
      flow: request.flow,
    };
    const event = createEvent(this.events.salePublished, {
      saleId: sale.id,
      name: sale.name,
      priceCents: sale.priceCents,
      stock: sale.stock,
      startsAt: sale.startsAt.toISOString(),
      endsAt: sale.endsAt.toISOString(),
      perUserLimit: sale.perUserLimit,
    });
    try {
      await this.db.$transaction([
        this.db.sale.create({ data: sale }),
        this.db.outboxEvent.create({ data: outboxRowOf(this.events.salePublished, event) }),
      ]);
    } catch (error) {
      // Lost a race with the same key: the winner's sale is the answer.
      const first =
        command.idempotencyKey !== null && isUniqueViolation(error)
          ? await this.findByKey(command.adminId, command.idempotencyKey)
          : null;
      if (first) return this.replay(first, request);
      throw error;
    }
    this.relays.sales.wake();
    // A sync sale is never in Redis: its stock lives in inventory-service's PostgreSQL only.
    if (sale.flow === SaleFlow.Events) await loadSaleStock(this.redis.client, stockSnapshot(sale));
    return toSaleResponse(sale, sale.stock, Date.now());
  }

  /**
   * What a sync sale has left, from order-service's own orders (inventory's stock row is
   * another service's): the stock minus the units of orders not FAILED or CANCELLED.
   */
  private async syncRemaining(sale: Sale): Promise<number> {
    const kept = await this.db.order.aggregate({
      where: { saleId: sale.id, status: { notIn: ['FAILED', 'CANCELLED'] } },
      _sum: { quantity: true },
    });
    return sale.stock - (kept._sum.quantity ?? 0);
  }

  private findByKey(adminId: string, idempotencyKey: string): Promise<Sale | null> {
    return this.db.sale.findUnique({
      where: { createdBy_idempotencyKey: { createdBy: adminId, idempotencyKey } },
    });
  }

  private async replay(first: Sale, request: CreateSaleRequest): Promise<SaleResponse> {
    if (!sameSale(first, request)) {
      throw new ProblemException(
        422,
        ProblemCode.IdempotencyKeyReused,
        `This Idempotency-Key created sale ${first.id} with different values; use a new key for a new sale.`,
      );
    }
    const found = await this.find(first.id);
    if (!found) throw new Error(`sale ${first.id} vanished`);
    return found;
  }

  /** The sale from Postgres with what is left of its stock in Redis; null when unknown. */
  async find(saleId: string): Promise<SaleResponse | null> {
    const sale = await this.db.sale.findUnique({ where: { id: saleId } });
    if (!sale) return null;
    if (sale.flow === SaleFlow.Sync)
      return toSaleResponse(sale, await this.syncRemaining(sale), Date.now());
    const remaining = await this.redis.client.get(saleKeys(saleId).stock);
    // Not in Redis (not loaded yet, or the sale ended long ago and Redis was reset).
    return toSaleResponse(sale, remaining === null ? sale.stock : Number(remaining), Date.now());
  }
}

function sameSale(sale: Sale, request: CreateSaleRequest): boolean {
  return (
    sale.name === request.name &&
    sale.priceCents === request.price &&
    sale.stock === request.stock &&
    sale.perUserLimit === request.perUserLimit &&
    sale.flow === request.flow &&
    sale.startsAt.getTime() === Date.parse(request.startsAt) &&
    sale.endsAt.getTime() === Date.parse(request.endsAt)
  );
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
