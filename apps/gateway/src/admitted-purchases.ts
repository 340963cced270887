import { Injectable } from '@nestjs/common';
import { RedisConnection, saleKeys } from '@seckill/redis';

/**
 * Whether a purchase's (user, Idempotency-Key) was admitted before, read from the admission
 * script's idempotency answers. The gateway asks before it answers a keyed purchase "sold out"
 * from memory: a buyer retrying a purchase whose answer was lost must reach order-service and
 * hear its 202, never "sold out" for the unit they bought.
 */
@Injectable()
export class AdmittedPurchases {
  constructor(private readonly redis: RedisConnection) {}

  /** True also when Redis cannot tell: the request is then forwarded and order-service decides. */
  async includes(saleId: string, userId: string, idempotencyKey: string): Promise<boolean> {
    try {
      const key = saleKeys(saleId).idempotency(userId, idempotencyKey);
      return (await this.redis.client.exists(key)) === 1;
    } catch {
      return true;
    }
  }
}
