/**
 * The Lua scripts behind RedisRateLimiter: each is the Redis-side translation of one
 * algorithm in algorithms.ts (same arithmetic, same float tolerance), run atomically by Redis
 * so any number of processes can check-and-spend one budget without races.
 *
 * Every script takes KEYS[1] = the limiter key and ARGV = now (ms; empty → Redis' own clock,
 * so boxes with skewed clocks still agree), mode ('consume' | 'refund'), cost, then the
 * algorithm's parameters. Every script answers {allowed, retryAfterMs, remaining, delayMs}
 * and sets PEXPIRE to the instant the key would be fresh again, so idle keys vanish by
 * themselves.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const PRELUDE = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local mode = ARGV[2]
local cost = tonumber(ARGV[3])
local EPS = 1e-9
local function ceil_ms(ms) return math.max(0, math.ceil(ms - 1e-6)) end
local function num(x) return string.format('%.17g', x) end
`;

/** ARGV[4] = capacity, ARGV[5] = refill tokens per ms. */
export const TOKEN_BUCKET_LUA = `${PRELUDE}
local capacity = tonumber(ARGV[4])
local per_ms = tonumber(ARGV[5])
local tokens, at = capacity, now
local s = redis.call('HMGET', key, 'tokens', 'at')
if s[1] then
  tokens, at = tonumber(s[1]), tonumber(s[2])
  if now > at then
    tokens = math.min(capacity, tokens + (now - at) * per_ms)
    at = now
  end
end
local allowed, retry = 1, 0
if mode == 'refund' then
  tokens = math.min(capacity, tokens + cost)
elseif tokens + EPS >= cost then
  tokens = math.max(0, tokens - cost)
else
  allowed = 0
  retry = math.max(1, ceil_ms((cost - tokens) / per_ms))
end
if allowed == 1 then
  if tokens >= capacity then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, 'tokens', num(tokens), 'at', num(at))
    redis.call('PEXPIRE', key, math.max(1, math.ceil(at + (capacity - tokens) / per_ms - now)))
  end
end
return {allowed, retry, math.floor(tokens + EPS), 0}
`;

/** ARGV[4] = limit, ARGV[5] = window ms (already scaled), ARGV[6] = unique member id. */
export const SLIDING_WINDOW_LUA = `${PRELUDE}
local limit = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local function cost_of(member) return tonumber(string.match(member, ':([^:]+)$')) end
redis.call('ZREMRANGEBYSCORE', key, '-inf', num(now - window))
local items = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #items, 2 do used = used + cost_of(items[i]) end
local allowed, retry = 1, 0
if mode == 'refund' then
  for i = #items - 1, 1, -2 do
    if cost_of(items[i]) == cost then
      redis.call('ZREM', key, items[i])
      used = used - cost
      break
    end
  end
elseif used + cost <= limit + EPS then
  redis.call('ZADD', key, num(now), ARGV[6] .. ':' .. ARGV[3])
  used = used + cost
else
  allowed = 0
  retry = 1
  local excess, freed = used + cost - limit, 0
  for i = 1, #items, 2 do
    freed = freed + cost_of(items[i])
    if freed + EPS >= excess then
      retry = math.max(1, ceil_ms(tonumber(items[i + 1]) + window - now))
      break
    end
  end
end
local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if newest[2] then
  redis.call('PEXPIRE', key, math.max(1, math.ceil(tonumber(newest[2]) + window - now)))
end
return {allowed, retry, math.max(0, math.floor(limit - used + EPS)), 0}
`;

/** ARGV[4] = queue capacity, ARGV[5] = drained units per ms. */
export const LEAKY_BUCKET_LUA = `${PRELUDE}
local capacity = tonumber(ARGV[4])
local per_ms = tonumber(ARGV[5])
local level, at = 0, now
local s = redis.call('HMGET', key, 'level', 'at')
if s[1] then
  level, at = tonumber(s[1]), tonumber(s[2])
  if now > at then
    level = math.max(0, level - (now - at) * per_ms)
    at = now
  end
end
local allowed, retry, delay = 1, 0, 0
if mode == 'refund' then
  level = math.max(0, level - cost)
elseif level + cost <= capacity + EPS then
  delay = ceil_ms(level / per_ms)
  level = level + cost
else
  allowed = 0
  retry = math.max(1, ceil_ms((level + cost - capacity) / per_ms))
end
if allowed == 1 then
  if level <= 0 then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, 'level', num(level), 'at', num(at))
    redis.call('PEXPIRE', key, math.max(1, math.ceil(at + level / per_ms - now)))
  end
end
return {allowed, retry, math.max(0, math.floor(capacity - level + EPS)), delay}
`;

/** A script run by its SHA1, loaded on first use or after a Redis restart flushed the cache. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, key: string, args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, 1, key, ...args);
    }
  }
}
