/**
 * The hot path's Lua scripts as redis-benchmark runs them: the keys and arguments the services
 * send (libs/redis: admission.ts, token-bucket.ts), with `__rand_int__` where each request has its
 * own user, order or idempotency key, and payloads of the size the services send. Every key sits
 * under a scratch sale that is deleted afterwards.
 */
import {
  ADMISSION_LUA,
  admissionCall,
  TOKEN_BUCKET_LUA,
  rateLimitKeys,
  saleKeys,
} from '@seckill/redis';
import { type ScriptBench } from '../engine/infra';

const R = '__rand_int__';

/** Admission of one order that is accepted: the path that writes the most (8 keys, XADD). */
export function admissionBench(saleId = `bench-redis-${Date.now().toString(36)}`): ScriptBench {
  const keys = saleKeys(saleId);
  const orderId = `bench-order-${R}`;
  const userId = `bench-user-${R}`;
  const now = new Date().toISOString();
  // Payloads shaped like order-service's (order summary, 202 answer, order.created envelope).
  const summary = JSON.stringify({
    orderId,
    saleId,
    userId,
    quantity: 1,
    status: 'PENDING',
    history: [{ status: 'PENDING', at: now }],
  });
  const answer = JSON.stringify({
    orderId,
    status: 'PENDING',
    statusUrl: `/api/orders/${orderId}`,
  });
  const envelope = JSON.stringify({
    eventId: orderId,
    type: 'order.created',
    version: 1,
    occurredAt: now,
    key: orderId,
    payload: { orderId, saleId, userId, quantity: 1, priceCents: 4999, createdAt: now },
  });
  const headers = {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'x-request-id': orderId,
    'content-type': 'application/json',
  };
  const call = admissionCall({
    saleId,
    userId,
    quantity: 1,
    orderId,
    idempotencyKey: `idem-${R}`,
    orderSummary: summary,
    answer,
    record: { topic: 'order.created', key: orderId, value: envelope, headers },
    deadline: null,
    stockChannel: `seckill:bench:${saleId}`, // a channel nobody listens to
  });
  return {
    name: 'redis: admission script (accepted), EVALSHA',
    script: ADMISSION_LUA,
    keys: call.keys,
    args: call.args,
    setup: async (redis) => {
      const t = Date.now();
      await redis.hset(keys.meta, {
        startsAt: String(t - 60_000),
        endsAt: String(t + 3_600_000),
        perUserLimit: '100',
        priceCents: '4999',
      });
      await redis.set(keys.stock, '1000000000');
    },
    cleanup: [`{sale:${saleId}}*`, 'order:bench-order-*'],
  };
}

/** The gateway's two token buckets, both with room: one HMGET+HSET+PEXPIRE pair each. */
export function tokenBucketBench(saleId = `bench-redis-${Date.now().toString(36)}`): ScriptBench {
  const { global, user } = rateLimitKeys(saleId, `bench-user-${R}`);
  return {
    name: 'redis: token buckets (allowed), EVALSHA',
    script: TOKEN_BUCKET_LUA,
    keys: [global, user],
    args: ['1000000000', '1000000000', '1000', '1000'],
    cleanup: [`rl:{sale:${saleId}}*`],
  };
}
