import type { Redis } from 'ioredis';
import { encodeStockSignal, saleKeys } from './sale-keys';
import { STOCK_CHANNEL } from './stock-channel';

/**
 * Set: the orders whose units were given back to the sale's Redis stock. The script's
 * idempotency marker; in the sale's hash slot, like every other key the script touches.
 */
export function restockedKey(saleId: string): string {
  return `{sale:${saleId}}:restocked`;
}

/**
 * Gives a released order's units back to the hot path, in one atomic step:
 *
 *   order already restocked?  yes → ALREADY (nothing changes: a redelivery, a retry)
 *   sale's stock key exists?  no  → NO_SALE (not marked: the loader reloads the sale's stock
 *                                   from Postgres; creating the key here would block that load)
 *   → SADD marker, INCRBY stock, HINCRBY buyers -quantity (HDEL at 0, so the buyer may buy
 *     again), PUBLISH {"soldOut":false} so gateways forget the sale was sold out
 *   → RESTOCKED (stock after)
 *
 * Redis is outside the consumer's Postgres transaction; the marker is what makes running it
 * again (after a rolled-back or retried transaction) harmless.
 */
export const RESTOCK_LUA = `
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then
  return {'ALREADY', tonumber(redis.call('GET', KEYS[1]) or '0')}
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'NO_SALE', 0}
end
local quantity = tonumber(ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
local stock = redis.call('INCRBY', KEYS[1], quantity)
local bought = redis.call('HINCRBY', KEYS[2], ARGV[2], -quantity)
if bought <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
end
redis.call('PUBLISH', ARGV[5], ARGV[4])
return {'RESTOCKED', stock}
`;

export interface RestockRequest {
  readonly saleId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly quantity: number;
}

export type RestockResult =
  | { readonly outcome: 'RESTOCKED'; readonly stock: number }
  | { readonly outcome: 'ALREADY'; readonly stock: number }
  | { readonly outcome: 'NO_SALE' };

const COMMAND = 'seckillRestock';
const NUMBER_OF_KEYS = 3;

type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>;

/** The restock script on one ioredis connection (EVALSHA, like the admission script). */
export class RestockScript {
  private readonly command: ScriptCommand;

  constructor(redis: Redis) {
    const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
    if (!commands[COMMAND]) {
      redis.defineCommand(COMMAND, { numberOfKeys: NUMBER_OF_KEYS, lua: RESTOCK_LUA });
    }
    const command = commands[COMMAND];
    if (!command) throw new Error(`could not define the ${COMMAND} script`);
    this.command = command.bind(redis);
  }

  async restock(request: RestockRequest): Promise<RestockResult> {
    if (!Number.isInteger(request.quantity) || request.quantity < 1) {
      throw new RangeError(`cannot restock ${request.quantity} units`);
    }
    const keys = saleKeys(request.saleId);
    const reply = await this.command(
      keys.stock,
      keys.buyers,
      restockedKey(request.saleId),
      request.orderId,
      request.userId,
      request.quantity,
      encodeStockSignal({ saleId: request.saleId, soldOut: false }),
      STOCK_CHANNEL,
    );
    return parseRestockReply(reply);
  }
}

/** The script's reply (outcome first) as a typed result. */
export function parseRestockReply(reply: unknown): RestockResult {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') {
    throw new Error(`unexpected restock reply: ${JSON.stringify(reply)}`);
  }
  const [outcome, stock] = reply as [string, unknown];
  switch (outcome) {
    case 'RESTOCKED':
    case 'ALREADY':
      return { outcome, stock: Number(stock) };
    case 'NO_SALE':
      return { outcome };
    default:
      throw new Error(`unexpected restock outcome: ${outcome}`);
  }
}
