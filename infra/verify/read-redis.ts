/**
 * Reads the hot path's Redis keys for the verifier (the layout is libs/redis sale-keys.ts and
 * restock.ts). Read-only: GET, HGETALL, SMEMBERS, XLEN, EXISTS.
 */
import type { Redis } from 'ioredis';
import { OUTBOX_STREAMS_KEY, restockedKey, saleKeys } from '@seckill/redis';
import type { OutboxBacklog, RedisOrder, RedisSale } from './snapshot';

/** A sale's keys: its stock, buyers, every admitted order (the orders hash is never pruned). */
export async function readRedisSale(redis: Redis, saleId: string): Promise<RedisSale> {
  const keys = saleKeys(saleId);
  const replies = await redis
    .multi()
    .exists(keys.meta)
    .get(keys.stock)
    .hgetall(keys.buyers)
    .hgetall(keys.orders)
    .smembers(restockedKey(saleId))
    .exec();
  if (!replies) throw new Error(`reading sale ${saleId} from Redis was aborted`);
  for (const [error] of replies) if (error) throw error;
  const [meta, stock, buyers, orders, restocked] = replies.map(([, value]) => value) as [
    number,
    string | null,
    Record<string, string>,
    Record<string, string>,
    string[],
  ];
  const admitted: RedisOrder[] = [];
  const unreadable: string[] = [];
  for (const [orderId, summary] of Object.entries(orders)) {
    const order = parseSummary(orderId, summary);
    if (order) admitted.push(order);
    else unreadable.push(orderId);
  }
  return {
    saleId,
    loaded: meta === 1,
    remaining: stock === null ? null : Number(stock),
    admitted,
    unreadable,
    restocked,
    buyers: Object.fromEntries(Object.entries(buyers).map(([user, n]) => [user, Number(n)])),
  };
}

/**
 * The order summary the admission script stored (apps/order-service order-summary.ts): only the
 * buyer and the quantity matter here. Null when it is not what the script writes.
 */
export function parseSummary(orderId: string, summary: string): RedisOrder | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(summary);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { userId, quantity } = parsed as { userId?: unknown; quantity?: unknown };
  if (typeof userId !== 'string' || typeof quantity !== 'number' || !Number.isInteger(quantity)) {
    return null;
  }
  return { orderId, userId, quantity };
}

/**
 * Entries still in the sales' outbox streams (each one an `order.created` Kafka has not
 * acknowledged yet). With `registered`, also every stream in the relay's set, whatever its sale:
 * an entry there is unpublished work even for a sale the verifier was not asked about.
 */
export async function readRedisOutboxes(
  redis: Redis,
  saleIds: readonly string[],
  registered: boolean,
): Promise<OutboxBacklog[]> {
  const streams = new Set(saleIds.map((id) => saleKeys(id).outbox));
  if (registered) for (const s of await redis.smembers(OUTBOX_STREAMS_KEY)) streams.add(s);
  const pipeline = redis.pipeline();
  for (const stream of streams) pipeline.xlen(stream);
  const replies = (await pipeline.exec()) ?? [];
  return [...streams].map((stream, i) => {
    const [error, length] = replies[i] ?? [null, 0];
    if (error) throw error;
    const saleId = /^\{sale:(.*)\}:outbox$/.exec(stream)?.[1];
    return {
      outbox: `redis ${stream}`,
      unpublished: Number(length),
      ...(saleId === undefined ? {} : { saleId }),
    };
  });
}
