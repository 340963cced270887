import type { Redis } from 'ioredis';
import { orderHistoryStatus, orderStatus, type OrderResponse } from '@seckill/contracts';
import { orderIndexKey, saleKeys } from '@seckill/redis';
import type { OrderDatabase } from '../database';
import { orderSummary, toOrderResponse } from './order-summary';

/**
 * `GET /api/orders/:id`: the Postgres read model (src/lifecycle), built from the saga's events.
 * An order the consumer has not seen yet (admitted a moment ago, its `order.created` still on
 * its way) is answered from the summary the admission script left in Redis: PENDING.
 */
export class OrderQueries {
  constructor(
    private readonly db: OrderDatabase,
    private readonly redis: Redis,
  ) {}

  /**
   * The order if `userId` owns it. Someone else's order is reported exactly like a missing one,
   * so order ids cannot be probed.
   */
  async findOwned(orderId: string, userId: string): Promise<OrderResponse | null> {
    const order = await this.db.order.findUnique({
      where: { orderId },
      include: { history: { orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] } },
    });
    if (order) {
      if (order.userId !== userId) return null;
      return {
        orderId: order.orderId,
        saleId: order.saleId,
        quantity: order.quantity,
        status: orderStatus.parse(order.status),
        history: order.history.map((entry) => ({
          status: orderHistoryStatus.parse(entry.status),
          at: entry.occurredAt.toISOString(),
          event: entry.eventType,
        })),
      };
    }
    return this.findAdmitted(orderId, userId);
  }

  /** The admission script's summary of an order the read model does not have yet. */
  private async findAdmitted(orderId: string, userId: string): Promise<OrderResponse | null> {
    const saleId = await this.redis.get(orderIndexKey(orderId));
    if (saleId === null) return null;
    const stored = await this.redis.hget(saleKeys(saleId).orders, orderId);
    if (stored === null) return null;
    const summary = orderSummary.parse(JSON.parse(stored));
    return summary.userId === userId ? toOrderResponse(summary) : null;
  }
}
