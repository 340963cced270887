/**
 * The gateway's rate limit: two token buckets, one decision, one round trip.
 *
 * Kept as a string in a TypeScript module, not a .lua file, so the compile step puts it in dist/
 * with the code that runs it (the runtime image has no sources). `redis-cli --eval` takes it as is.
 */
export const TOKEN_BUCKET_LUA = `
-- A request takes one token from the sale's global bucket AND one from the user's bucket, or
-- from neither: a denied request changes nothing in Redis.
--
-- KEYS[1]  the sale's global bucket   rl:{sale:<id>}:global
-- KEYS[2]  the user's bucket          rl:{sale:<id>}:user:<userId>
-- ARGV     globalRate, globalBurst, userRate, userBurst (tokens per second, capacity)
--
-- A bucket is a hash {tokens, ts}: what it held at ts (server time in microseconds). The refill
-- since then is computed on read, so no timer is needed; a missing bucket is a full one, and a
-- bucket expires when it would be full again anyway. The clock is the Redis server's (TIME), the
-- one clock every gateway instance shares.
--
-- Returns {allowed (1|0), bucket (1 global | 2 user), limit, remaining, resetMs, retryAfterMs}
-- where bucket is the one that binds: the one that denied, or the one with fewer tokens left.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local function level(key, rate, burst)
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(state[1]), tonumber(state[2])
  if tokens == nil or ts == nil then return burst end
  -- A clock that stepped back refills nothing rather than draining the bucket.
  local elapsed = math.max(0, now - ts)
  return math.min(burst, tokens + elapsed * rate / 1000000)
end

local function store(key, tokens, rate, burst)
  redis.call('HSET', key, 'tokens', tokens, 'ts', now)
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate * 1000) + 1000)
end

local globalRate, globalBurst = tonumber(ARGV[1]), tonumber(ARGV[2])
local userRate, userBurst = tonumber(ARGV[3]), tonumber(ARGV[4])

local global = level(KEYS[1], globalRate, globalBurst)
local user = level(KEYS[2], userRate, userBurst)
local allowed = global >= 1 and user >= 1

if allowed then
  global = global - 1
  user = user - 1
  store(KEYS[1], global, globalRate, globalBurst)
  store(KEYS[2], user, userRate, userBurst)
end

local bindsGlobal
if allowed then bindsGlobal = global < user else bindsGlobal = global < 1 end
local tokens, rate, burst = user, userRate, userBurst
if bindsGlobal then tokens, rate, burst = global, globalRate, globalBurst end

local retryAfterMs = 0
if not allowed then
  local wait = math.max((1 - global) / globalRate, (1 - user) / userRate)
  retryAfterMs = math.ceil(wait * 1000)
end

return {
  allowed and 1 or 0,
  bindsGlobal and 1 or 2,
  burst,
  math.floor(tokens),
  math.ceil((burst - tokens) / rate * 1000),
  retryAfterMs,
}
`;
