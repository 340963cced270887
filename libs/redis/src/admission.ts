import { SpanKind } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import { tracingEnabled, withSpan } from '@seckill/observability';
import { encodeStockSignal, orderIndexKey, OUTBOX_STREAMS_KEY, saleKeys } from './sale-keys';
import { STOCK_CHANNEL } from './stock-channel';

/**
 * The admission of one order, decided by one Lua script in one round trip. Redis runs a script
 * atomically, so two buyers can never both take the last unit, and the clock is Redis's own
 * (`TIME`), so every order-service instance agrees on when the window opens.
 *
 *   sale exists?           no  → NOT_FOUND
 *   key seen before?       yes → REPLAYED (the first answer, whatever happened since)
 *   deadline passed?       yes → DEADLINE_EXCEEDED (the caller has given up: admit nothing)
 *   window open?           no  → NOT_OPEN (NOT_STARTED | ENDED)
 *   stock left?            no  → SOLD_OUT
 *   stock >= quantity?     no  → INSUFFICIENT_STOCK (some left, fewer than asked: not sold out)
 *   bought + qty <= limit? no  → LIMIT_REACHED
 *   → DECRBY stock, HINCRBY buyers, order summary, order index, the buyer's order list,
 *     idempotency answer (24 h), XADD the order.created record to the sale's outbox stream,
 *     PUBLISH sold-out at 0
 *   → ACCEPTED (stream entry id, remaining stock)
 *
 * The deadline is checked on Redis's clock inside the script, so "not admitted" is certain: a
 * request that arrives at Redis after its deadline changes nothing, however long it queued.
 *
 * The idempotency key is checked before the window and the stock on purpose: a client that
 * retries after the window closed, or after its own order took the last unit, must get its
 * 202 back, not a 403 or a 409 for an order that exists.
 *
 * Every key but the order index carries the sale's hash tag. `order:<id>` is the one key outside
 * the sale's slot: fine on the single Redis the shop runs; on Redis Cluster the index would have
 * to be written by a second command after the script.
 */
export const ADMISSION_LUA = `
local meta = redis.call('HMGET', KEYS[1], 'startsAt', 'endsAt', 'perUserLimit')
if not meta[1] then
  return {'NOT_FOUND'}
end
if ARGV[8] == '1' then
  local first = redis.call('GET', KEYS[6])
  if first then
    return {'REPLAYED', first}
  end
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local deadline = tonumber(ARGV[15])
if deadline > 0 and now >= deadline then
  return {'DEADLINE_EXCEEDED'}
end
if now < tonumber(meta[1]) then
  return {'NOT_OPEN', 'NOT_STARTED'}
end
if now >= tonumber(meta[2]) then
  return {'NOT_OPEN', 'ENDED'}
end
local quantity = tonumber(ARGV[2])
local stock = tonumber(redis.call('GET', KEYS[2]) or '0')
if stock <= 0 then
  return {'SOLD_OUT', 0}
end
if stock < quantity then
  return {'INSUFFICIENT_STOCK', stock}
end
local bought = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
local limit = tonumber(meta[3])
if bought + quantity > limit then
  return {'LIMIT_REACHED', bought, limit}
end
local left = redis.call('DECRBY', KEYS[2], quantity)
redis.call('HINCRBY', KEYS[3], ARGV[1], quantity)
redis.call('HSET', KEYS[4], ARGV[3], ARGV[5])
redis.call('SET', KEYS[7], ARGV[4])
redis.call('RPUSH', KEYS[8], ARGV[3])
if ARGV[8] == '1' then
  redis.call('SET', KEYS[6], ARGV[6], 'EX', ARGV[7])
end
local entry = redis.call('XADD', KEYS[5], '*',
  'topic', ARGV[11], 'key', ARGV[12], 'value', ARGV[13], 'headers', ARGV[14])
if left == 0 then
  redis.call('PUBLISH', ARGV[10], ARGV[9])
end
return {'ACCEPTED', entry, left}
`;

/** A Kafka record as the outbox stream keeps it (the same fields as libs/kafka's records). */
export interface StreamRecord {
  readonly topic: string;
  readonly key: string;
  /** The event envelope, JSON. */
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface AdmissionRequest {
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly orderId: string;
  /** The client's Idempotency-Key, or null: without one, nothing is remembered for replays. */
  readonly idempotencyKey: string | null;
  /** Stored in the sale's orders hash; what `GET /api/orders/:id` reads. */
  readonly orderSummary: string;
  /** The accepted answer's body, stored under the idempotency key. */
  readonly answer: string;
  /** The `order.created` record, built (and validated) before the call. */
  readonly record: StreamRecord;
  /** Epoch ms after which the caller no longer waits: nothing is admitted then. Null: none. */
  readonly deadline: number | null;
  /** Where the sold-out signal goes (default STOCK_CHANNEL; the benchmark uses its own). */
  readonly stockChannel?: string;
}

export type AdmissionResult =
  | { readonly outcome: 'ACCEPTED'; readonly entryId: string; readonly remainingStock: number }
  | { readonly outcome: 'REPLAYED'; readonly answer: string }
  | { readonly outcome: 'NOT_FOUND' }
  | { readonly outcome: 'DEADLINE_EXCEEDED' }
  | { readonly outcome: 'NOT_OPEN'; readonly reason: 'NOT_STARTED' | 'ENDED' }
  | { readonly outcome: 'SOLD_OUT' }
  | { readonly outcome: 'INSUFFICIENT_STOCK'; readonly remainingStock: number }
  | { readonly outcome: 'LIMIT_REACHED'; readonly bought: number; readonly limit: number };

/** How long the first answer to an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const COMMAND = 'seckillAdmit';
const NUMBER_OF_KEYS = 8;

type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>;

/**
 * The admission script on one ioredis connection, sent with EVALSHA (ioredis's defineCommand
 * falls back to EVAL once when the server does not know the script yet, e.g. after a restart).
 */
export class AdmissionScript {
  private readonly command: ScriptCommand;

  constructor(redis: Redis) {
    const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
    if (!commands[COMMAND]) {
      redis.defineCommand(COMMAND, { numberOfKeys: NUMBER_OF_KEYS, lua: ADMISSION_LUA });
    }
    const command = commands[COMMAND];
    if (!command) throw new Error(`could not define the ${COMMAND} script`);
    this.command = command.bind(redis);
  }

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    if (!tracingEnabled()) return this.run(request);
    // A CLIENT span around the one round trip that decides the purchase (database semantic
    // conventions), with the script's verdict.
    return withSpan(
      'EVALSHA seckill.admission',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'redis',
          'db.operation.name': 'EVALSHA',
          'seckill.sale_id': request.saleId,
          'seckill.order_id': request.orderId,
        },
      },
      async (span) => {
        const result = await this.run(request);
        span.setAttribute('seckill.admission.outcome', result.outcome);
        return result;
      },
    );
  }

  private async run(request: AdmissionRequest): Promise<AdmissionResult> {
    const { keys, args } = admissionCall(request);
    return parseAdmissionReply(await this.command(...keys, ...args));
  }
}

/**
 * The script's KEYS and ARGV for one request, in the order the script reads them: the one place
 * that maps names to positions (the service and the Redis benchmark both call it).
 */
export function admissionCall(request: AdmissionRequest): {
  readonly keys: string[];
  readonly args: string[];
} {
  const keys = saleKeys(request.saleId);
  return {
    keys: [
      keys.meta, // KEYS[1]
      keys.stock, // KEYS[2]
      keys.buyers, // KEYS[3]
      keys.orders, // KEYS[4]
      keys.outbox, // KEYS[5]
      keys.idempotency(request.userId, request.idempotencyKey ?? ''), // KEYS[6]
      orderIndexKey(request.orderId), // KEYS[7]
      keys.userOrders(request.userId), // KEYS[8]
    ],
    args: [
      request.userId, // ARGV[1]
      String(request.quantity), // ARGV[2]
      request.orderId, // ARGV[3]
      request.saleId, // ARGV[4]
      request.orderSummary, // ARGV[5]
      request.answer, // ARGV[6]
      String(IDEMPOTENCY_TTL_SECONDS), // ARGV[7]
      request.idempotencyKey === null ? '0' : '1', // ARGV[8]
      encodeStockSignal({ saleId: request.saleId, soldOut: true }), // ARGV[9]
      request.stockChannel ?? STOCK_CHANNEL, // ARGV[10]
      request.record.topic, // ARGV[11]
      request.record.key, // ARGV[12]
      request.record.value, // ARGV[13]
      JSON.stringify(request.record.headers), // ARGV[14]
      String(request.deadline ?? 0), // ARGV[15]
    ],
  };
}

/** The script's reply (a flat array: outcome first) as a typed result. */
export function parseAdmissionReply(reply: unknown): AdmissionResult {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') {
    throw new Error(`unexpected admission reply: ${JSON.stringify(reply)}`);
  }
  const [outcome, first, second] = reply as [string, unknown, unknown];
  switch (outcome) {
    case 'ACCEPTED':
      return { outcome, entryId: String(first), remainingStock: Number(second) };
    case 'REPLAYED':
      return { outcome, answer: String(first) };
    case 'NOT_FOUND':
    case 'DEADLINE_EXCEEDED':
      return { outcome };
    case 'NOT_OPEN':
      return { outcome, reason: first === 'ENDED' ? 'ENDED' : 'NOT_STARTED' };
    case 'SOLD_OUT':
      return { outcome };
    case 'INSUFFICIENT_STOCK':
      return { outcome, remainingStock: Number(first) };
    case 'LIMIT_REACHED':
      return { outcome, bought: Number(first), limit: Number(second) };
    default:
      throw new Error(`unexpected admission outcome: ${outcome}`);
  }
}

/** What Redis needs of a sale to admit orders for it. */
export interface SaleStockSnapshot {
  readonly saleId: string;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly perUserLimit: number;
  readonly priceCents: number;
  /** The initial stock; used only when the sale's stock key does not exist yet. */
  readonly stock: number;
}

/**
 * Loads a sale into Redis, idempotently: meta is (re)written, the stock only if it has no value
 * yet (`SET NX`: a reload never resets a sale that is selling), and the sale's outbox stream is
 * registered for the stream relay. Resolves true when the stock was loaded now, after which
 * `{"soldOut":false}` goes out on the stock channel.
 */
export async function loadSaleStock(redis: Redis, sale: SaleStockSnapshot): Promise<boolean> {
  const keys = saleKeys(sale.saleId);
  // Registered first: an outbox stream must never exist without the relay knowing of it.
  await redis.sadd(OUTBOX_STREAMS_KEY, keys.outbox);
  const results = await redis
    .multi()
    .hset(keys.meta, {
      startsAt: String(sale.startsAtMs),
      endsAt: String(sale.endsAtMs),
      perUserLimit: String(sale.perUserLimit),
      priceCents: String(sale.priceCents),
    })
    .set(keys.stock, String(sale.stock), 'NX')
    .exec();
  if (!results) throw new Error(`loading sale ${sale.saleId} into Redis was aborted`);
  for (const [error] of results) if (error) throw error;
  const loaded = results[1]?.[1] === 'OK';
  if (loaded && sale.stock > 0) {
    await redis.publish(STOCK_CHANNEL, encodeStockSignal({ saleId: sale.saleId, soldOut: false }));
  }
  return loaded;
}
