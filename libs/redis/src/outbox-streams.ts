import type { Redis } from 'ioredis';
import { OUTBOX_STREAMS_KEY } from './sale-keys';

/** `{sale:<id>}:outbox` → `{sale:<id>}:meta`: the sale whose window decides the stream's life. */
export function saleMetaKeyOfStream(stream: string): string {
  return stream.endsWith(':outbox')
    ? `${stream.slice(0, -':outbox'.length)}:meta`
    : `${stream}:meta`;
}

/**
 * Retires an ended sale's outbox stream: once Redis time is past the sale's end, the admission
 * script can append nothing more, so an empty stream is done for good; it leaves the relay's
 * set (and Redis) instead of being polled for ever. A stream that still holds entries, or whose
 * sale is open or upcoming, is kept. A stream whose sale is unknown to Redis (never loaded, or
 * Redis was reset) is retired when empty: the script answers NOT_FOUND for such a sale.
 */
export const RETIRE_STREAM_LUA = `
local endsAt = redis.call('HGET', KEYS[2], 'endsAt')
if endsAt then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if tonumber(endsAt) > now then
    return 0
  end
end
if redis.call('XLEN', KEYS[1]) > 0 then
  return 0
end
redis.call('SREM', KEYS[3], KEYS[1])
redis.call('DEL', KEYS[1])
return 1
`;

/** Resolves true when the stream was retired. Rare (once per ended sale), so plain EVAL. */
export async function retireOutboxStream(redis: Redis, stream: string): Promise<boolean> {
  const retired = await redis.eval(
    RETIRE_STREAM_LUA,
    3,
    stream,
    saleMetaKeyOfStream(stream),
    OUTBOX_STREAMS_KEY,
  );
  return retired === 1;
}
