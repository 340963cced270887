import type { Redis } from 'ioredis';
import { saleKeys } from '@seckill/redis';

/** Enough for every sale a shop runs at once; the oldest entry goes first beyond it. */
const MAX_CACHED_SALES = 10_000;

/**
 * Each sale's price, for the `order.created` event that is built before the admission script
 * runs. A sale is immutable once published, so a price read once from the sale's Redis meta is
 * kept; an unknown sale is not cached (it may be created a moment later).
 */
export class SalePrices {
  private readonly cache = new Map<string, number>();

  constructor(private readonly redis: Redis) {}

  /** The price in cents, or null when Redis has no such sale. */
  async priceOf(saleId: string): Promise<number | null> {
    const cached = this.cache.get(saleId);
    if (cached !== undefined) return cached;
    const stored = await this.redis.hget(saleKeys(saleId).meta, 'priceCents');
    if (stored === null) return null;
    const price = Number(stored);
    if (this.cache.size >= MAX_CACHED_SALES) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(saleId, price);
    return price;
  }
}
