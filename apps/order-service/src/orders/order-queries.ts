import type { Redis } from 'ioredis';
import {
  MY_ORDERS_MAX,
  type MyOrdersResponse,
  orderHistoryStatus,
  orderStatus,
  type OrderResponse,
} from '@seckill/contracts';
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

  /**
   * The user's orders, newest first: the read model's, plus, for one sale, those the admission
   * script admitted that the read model has not consumed yet (the buyer's list in Redis). Under
   * a spike the consumers lag on purpose, so "not in Postgres yet" is normal, not an error.
   */
  async listOwned(userId: string, saleId?: string): Promise<MyOrdersResponse['items']> {
    const stored = await this.db.order.findMany({
      where: { userId, ...(saleId === undefined ? {} : { saleId }) },
      orderBy: [{ createdAt: 'desc' }, { orderId: 'asc' }],
      take: MY_ORDERS_MAX,
    });
    const items: MyOrdersResponse['items'] = stored.map((order) => ({
      orderId: order.orderId,
      saleId: order.saleId,
      quantity: order.quantity,
      status: orderStatus.parse(order.status),
      acceptedAt: order.createdAt.toISOString(),
      ...(order.idempotencyKey === null ? {} : { idempotencyKey: order.idempotencyKey }),
    }));
    if (saleId === undefined) return items;

    const keys = saleKeys(saleId);
    const known = new Set(items.map((item) => item.orderId));
    const admitted = (
      await this.redis.lrange(keys.userOrders(userId), 0, MY_ORDERS_MAX - 1)
    ).filter((orderId) => !known.has(orderId));
    if (admitted.length > 0) {
      const summaries = await this.redis.hmget(keys.orders, ...admitted);
      for (const summary of summaries) {
        if (summary === null) continue;
        const order = orderSummary.parse(JSON.parse(summary));
        items.push({
          orderId: order.orderId,
          saleId: order.saleId,
          quantity: order.quantity,
          status: order.status,
          acceptedAt: order.history[0]?.at ?? new Date(0).toISOString(),
        });
      }
    }
    return items.sort((a, b) => b.acceptedAt.localeCompare(a.acceptedAt)).slice(0, MY_ORDERS_MAX);
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
