import { SpanKind } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import type { OutgoingRecord } from '@seckill/kafka';
import { tracingEnabled, withSpan } from '@seckill/observability';
import { encodeStockSignal, orderIndexKey, OUTBOX_STREAMS_KEY, saleKeys } from './sale-keys';
import { type ArgvLayout, encodeArgv, encodeKeys, type KeysLayout, luaPrelude } from './lua-layout';
import { toStreamEntry } from './outbox-stream-entry';
import { STOCK_CHANNEL } from './stock-channel';

/** The keys the admission script touches, by the names its Lua reads them by. */
export interface AdmissionKeys {
  /** Hash: the sale's startsAt, endsAt (epoch ms) and perUserLimit. */
  readonly metaKey: string;
  /** String: the units left. */
  readonly stockKey: string;
  /** Hash: userId → units bought. */
  readonly buyersKey: string;
  /** Hash: orderId → order summary (JSON). */
  readonly ordersKey: string;
  /** Stream: the sale's outbox, where the order.created record goes. */
  readonly outboxKey: string;
  /** String: the first answer to (user, Idempotency-Key). */
  readonly answerKey: string;
  /** String: the order's sale id (`order:<id>`, the one key outside the sale's slot). */
  readonly orderIndexKey: string;
  /** List: the buyer's admitted order ids in this sale. */
  readonly userOrdersKey: string;
}

/** The admission script's KEYS, in order: the one place that maps key names to positions. */
export const ADMISSION_KEYS = [
  'metaKey',
  'stockKey',
  'buyersKey',
  'ordersKey',
  'outboxKey',
  'answerKey',
  'orderIndexKey',
  'userOrdersKey',
] as const satisfies KeysLayout<AdmissionKeys>;

/** The admission script's arguments, by the names (and types) its Lua reads them as. */
export interface AdmissionArgs {
  /** The buyer: the field of the buyers hash. */
  readonly userId: string;
  /** Units asked for. */
  readonly quantity: number;
  /** The new order's id: the field of the orders hash, the entry of the buyer's list. */
  readonly orderId: string;
  /** The sale: what the order index holds. */
  readonly saleId: string;
  /** The order summary (JSON) stored in the orders hash. */
  readonly orderSummary: string;
  /** The accepted answer's body, stored under answerKey. */
  readonly answer: string;
  /** How long answerKey lives (`SET … EX`). */
  readonly answerTtlSeconds: number;
  /** Whether the client sent an Idempotency-Key: only then is answerKey read and written. */
  readonly hasIdempotencyKey: boolean;
  /** Published on stockChannel when the last unit goes. */
  readonly soldOutSignal: string;
  /** Where the sold-out signal goes. */
  readonly stockChannel: string;
  /** The order.created record's Kafka topic. */
  readonly recordTopic: string;
  /** The record's Kafka key. */
  readonly recordKey: string;
  /** The record's value (the event envelope, JSON). */
  readonly recordValue: string;
  /** The record's headers (a JSON object). */
  readonly recordHeaders: string;
  /** Epoch ms (Redis time) from which nothing is admitted; 0: no deadline. */
  readonly deadline: number;
}

/**
 * The admission script's ARGV, in order, with the Lua type each local gets: the one place that
 * maps argument names to positions. admissionCall builds ARGV from it, and the script's prelude
 * (`local quantity = tonumber(ARGV[2])` …) is generated from it.
 */
export const ADMISSION_ARGV = [
  ['userId', 'string'],
  ['quantity', 'number'],
  ['orderId', 'string'],
  ['saleId', 'string'],
  ['orderSummary', 'string'],
  ['answer', 'string'],
  ['answerTtlSeconds', 'number'],
  ['hasIdempotencyKey', 'boolean'],
  ['soldOutSignal', 'string'],
  ['stockChannel', 'string'],
  ['recordTopic', 'string'],
  ['recordKey', 'string'],
  ['recordValue', 'string'],
  ['recordHeaders', 'string'],
  ['deadline', 'number'],
] as const satisfies ArgvLayout<AdmissionArgs>;

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
 *
 * The script starts with a generated prelude that binds every KEYS and ARGV position to a named
 * local (ADMISSION_KEYS, ADMISSION_ARGV); the body below it reads only those names.
 */
export const ADMISSION_LUA = `${luaPrelude(ADMISSION_KEYS, ADMISSION_ARGV)}
local meta = redis.call('HMGET', metaKey, 'startsAt', 'endsAt', 'perUserLimit')
if not meta[1] then
  return {'NOT_FOUND'}
end
if hasIdempotencyKey then
  local first = redis.call('GET', answerKey)
  if first then
    return {'REPLAYED', first}
  end
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if deadline > 0 and now >= deadline then
  return {'DEADLINE_EXCEEDED'}
end
if now < tonumber(meta[1]) then
  return {'NOT_OPEN', 'NOT_STARTED'}
end
if now >= tonumber(meta[2]) then
  return {'NOT_OPEN', 'ENDED'}
end
local stock = tonumber(redis.call('GET', stockKey) or '0')
if stock <= 0 then
  return {'SOLD_OUT', 0}
end
if stock < quantity then
  return {'INSUFFICIENT_STOCK', stock}
end
local bought = tonumber(redis.call('HGET', buyersKey, userId) or '0')
local limit = tonumber(meta[3])
if bought + quantity > limit then
  return {'LIMIT_REACHED', bought, limit}
end
local left = redis.call('DECRBY', stockKey, quantity)
redis.call('HINCRBY', buyersKey, userId, quantity)
redis.call('HSET', ordersKey, orderId, orderSummary)
redis.call('SET', orderIndexKey, saleId)
redis.call('RPUSH', userOrdersKey, orderId)
if hasIdempotencyKey then
  redis.call('SET', answerKey, answer, 'EX', answerTtlSeconds)
end
local entry = redis.call('XADD', outboxKey, '*',
  'topic', recordTopic, 'key', recordKey, 'value', recordValue, 'headers', recordHeaders)
if left == 0 then
  redis.call('PUBLISH', stockChannel, soldOutSignal)
end
return {'ACCEPTED', entry, left}
`;

/** One purchase to admit: what AdmissionScript.admit takes. */
export interface AdmissionRequest {
  /** The sale bought from: all of its keys share the `{sale:<id>}` hash tag. */
  readonly saleId: string;
  /** The buyer (from the token): the per-user limit and the idempotency key are theirs. */
  readonly userId: string;
  /** Units asked for. */
  readonly quantity: number;
  /** The id the order gets if it is admitted. */
  readonly orderId: string;
  /** The client's Idempotency-Key, or null: without one, nothing is remembered for replays. */
  readonly idempotencyKey: string | null;
  /** Stored in the sale's orders hash; what `GET /api/orders/:id` reads. */
  readonly orderSummary: string;
  /** The accepted answer's body, stored under the idempotency key. */
  readonly answer: string;
  /**
   * The `order.created` record, built (and validated) before the call; the script appends it to
   * the sale's outbox stream as `toStreamEntry` writes it.
   */
  readonly record: OutgoingRecord;
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
const NUMBER_OF_KEYS = ADMISSION_KEYS.length;

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

/** The script's keys and arguments for one request, by name. */
function admissionInputs(request: AdmissionRequest): {
  readonly keys: AdmissionKeys;
  readonly args: AdmissionArgs;
} {
  const keys = saleKeys(request.saleId);
  const entry = toStreamEntry(request.record);
  return {
    keys: {
      metaKey: keys.meta,
      stockKey: keys.stock,
      buyersKey: keys.buyers,
      ordersKey: keys.orders,
      outboxKey: keys.outbox,
      answerKey: keys.idempotency(request.userId, request.idempotencyKey ?? ''),
      orderIndexKey: orderIndexKey(request.orderId),
      userOrdersKey: keys.userOrders(request.userId),
    },
    args: {
      userId: request.userId,
      quantity: request.quantity,
      orderId: request.orderId,
      saleId: request.saleId,
      orderSummary: request.orderSummary,
      answer: request.answer,
      answerTtlSeconds: IDEMPOTENCY_TTL_SECONDS,
      hasIdempotencyKey: request.idempotencyKey !== null,
      soldOutSignal: encodeStockSignal({ saleId: request.saleId, soldOut: true }),
      stockChannel: request.stockChannel ?? STOCK_CHANNEL,
      recordTopic: entry.topic,
      recordKey: entry.key,
      recordValue: entry.value,
      recordHeaders: entry.headers,
      deadline: request.deadline ?? 0,
    },
  };
}

/**
 * The script's KEYS and ARGV for one request, in the order of ADMISSION_KEYS and ADMISSION_ARGV
 * (the service and the Redis benchmark both call it).
 */
export function admissionCall(request: AdmissionRequest): {
  readonly keys: string[];
  readonly args: string[];
} {
  const { keys, args } = admissionInputs(request);
  return { keys: encodeKeys(ADMISSION_KEYS, keys), args: encodeArgv(ADMISSION_ARGV, args) };
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
