import { Injectable } from '@nestjs/common';
import { SaleFlow } from '@seckill/contracts';
import { OrderDatabase } from '../database';
import type { Sale } from '../generated/prisma/client';

/** Enough for every sale a shop runs at once; the oldest entry goes first beyond it. */
const MAX_CACHED_SALES = 1_000;

/**
 * The sales sold by the synchronous baseline. A purchase of a sale Redis does not know asks
 * here before it is answered 404, so the event-driven hot path pays nothing for the baseline.
 * Sales are immutable once published, so a sync sale read once is kept; an unknown id is not
 * cached (the sale may be created a moment later), and costs one indexed read.
 */
@Injectable()
export class SyncSales {
  private readonly cache = new Map<string, Sale>();

  constructor(private readonly db: OrderDatabase) {}

  async find(saleId: string): Promise<Sale | null> {
    const cached = this.cache.get(saleId);
    if (cached) return cached;
    const sale = await this.db.sale.findFirst({ where: { id: saleId, flow: SaleFlow.Sync } });
    if (!sale) return null;
    if (this.cache.size >= MAX_CACHED_SALES) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(saleId, sale);
    return sale;
  }
}
