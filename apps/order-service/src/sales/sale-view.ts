import { SaleFlow, type SaleResponse } from '@seckill/contracts';
import type { Sale } from '../generated/prisma/client';

export type SaleStatus = SaleResponse['status'];

/**
 * Where a sale stands at `nowMs`: ENDED once its window closed, SOLD_OUT while nothing is left,
 * SCHEDULED before it opens, OPEN otherwise. The admission script decides with Redis's clock;
 * this view uses the service's, which is close enough for a status page.
 */
export function saleStatus(
  sale: Pick<Sale, 'startsAt' | 'endsAt'>,
  remainingStock: number,
  nowMs: number,
): SaleStatus {
  if (nowMs >= sale.endsAt.getTime()) return 'ENDED';
  if (remainingStock <= 0) return 'SOLD_OUT';
  if (nowMs < sale.startsAt.getTime()) return 'SCHEDULED';
  return 'OPEN';
}

export function toSaleResponse(sale: Sale, remainingStock: number, nowMs: number): SaleResponse {
  return {
    id: sale.id,
    name: sale.name,
    price: sale.priceCents,
    stock: sale.stock,
    remainingStock,
    startsAt: sale.startsAt.toISOString(),
    endsAt: sale.endsAt.toISOString(),
    perUserLimit: sale.perUserLimit,
    flow: sale.flow === SaleFlow.Sync ? SaleFlow.Sync : SaleFlow.Events,
    status: saleStatus(sale, remainingStock, nowMs),
  };
}

/** What Redis needs of a sale (libs/redis loadSaleStock). */
export function stockSnapshot(sale: Sale) {
  return {
    saleId: sale.id,
    startsAtMs: sale.startsAt.getTime(),
    endsAtMs: sale.endsAt.getTime(),
    perUserLimit: sale.perUserLimit,
    priceCents: sale.priceCents,
    stock: sale.stock,
  };
}
