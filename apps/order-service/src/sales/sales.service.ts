import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createEvent, type CreateSaleRequest, type SaleResponse } from '@seckill/contracts';
import { loadSaleStock, RedisConnection, saleKeys } from '@seckill/redis';
import { OrderDatabase } from '../database';
import { ProducedEvents } from '../events';
import type { Sale } from '../generated/prisma/client';
import { outboxRow } from '../outbox/postgres-outbox';
import { OutboxRelays } from '../outbox/outbox-relays';
import { stockSnapshot, toSaleResponse } from './sale-view';

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
   */
  async create(request: CreateSaleRequest): Promise<SaleResponse> {
    const sale: Sale = {
      id: randomUUID(),
      name: request.name,
      priceCents: request.price,
      stock: request.stock,
      perUserLimit: request.perUserLimit,
      startsAt: new Date(request.startsAt),
      endsAt: new Date(request.endsAt),
      createdAt: new Date(),
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
    await this.db.$transaction([
      this.db.sale.create({ data: sale }),
      this.db.outboxEvent.create({ data: outboxRow(this.events.salePublished, event) }),
    ]);
    this.relays.sales.wake();
    await loadSaleStock(this.redis.client, stockSnapshot(sale));
    return toSaleResponse(sale, sale.stock, Date.now());
  }

  /** The sale from Postgres with what is left of its stock in Redis; null when unknown. */
  async find(saleId: string): Promise<SaleResponse | null> {
    const sale = await this.db.sale.findUnique({ where: { id: saleId } });
    if (!sale) return null;
    const remaining = await this.redis.client.get(saleKeys(saleId).stock);
    // Not in Redis (not loaded yet, or the sale ended long ago and Redis was reset).
    return toSaleResponse(sale, remaining === null ? sale.stock : Number(remaining), Date.now());
  }
}
