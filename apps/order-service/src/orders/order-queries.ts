import type { Redis } from 'ioredis';
import type { OrderResponse } from '@seckill/contracts';
import { orderIndexKey, saleKeys } from '@seckill/redis';
import { orderSummary, toOrderResponse } from './order-summary';

/** The order read model, from Redis for now (the saga issue moves it to Postgres). */
export class OrderQueries {
  constructor(private readonly redis: Redis) {}

  /**
   * The order if `userId` owns it. Someone else's order is reported exactly like a missing one,
   * so order ids cannot be probed.
   */
  async findOwned(orderId: string, userId: string): Promise<OrderResponse | null> {
    const saleId = await this.redis.get(orderIndexKey(orderId));
    if (saleId === null) return null;
    const stored = await this.redis.hget(saleKeys(saleId).orders, orderId);
    if (stored === null) return null;
    const summary = orderSummary.parse(JSON.parse(stored));
    return summary.userId === userId ? toOrderResponse(summary) : null;
  }
}
