/**
 * The Lua scripts behind RedisJobQueue. Every state change of a job is one script, so Redis
 * runs it atomically: two workers cannot claim the same job, a crash cannot leave a job half
 * moved between sets, and a killed client cannot interrupt a script midway.
 *
 * Layout under the prefix P (all sets hold job ids):
 *   P:job:<id>              hash: the job (fields as in `Job`, plus runAt, leaseUntil, order)
 *   P:queued                zset by place in line: every queued job (positions, counts)
 *   P:ready                 zset by place in line: queued jobs whose runAt has come (claims)
 *   P:delayed               zset by runAt: queued jobs waiting out a retry delay
 *   P:running               zset by leaseUntil: leased jobs; a score in the past is an expired lease
 *   P:user:<userId>:running zset by leaseUntil: one user's leased jobs (per-user caps)
 *   P:done, P:cancelled, P:dead  zsets by updatedAt
 *   P:key:<key>             string: the active job holding an idempotency key
 *   P:claim:<token>         string: the job a claim call took, so a resent claim returns it again
 *   P:seq                   counter: FIFO order within one priority
 *
 * Every script takes ARGV[1] = prefix and ARGV[2] = now in ms ('' = Redis server time, so
 * workers on several boxes share one clock; tests pass a fake clock). Keys are built inside the
 * scripts, which standalone Redis and Sentinel allow; on Redis Cluster the prefix must be a
 * hash tag such as `{dlbot}` so that every key lands in one slot.
 */

/** Place in line: higher priority first, then FIFO. `priority × 2^32 + seq` stays exact in a double for |priority| ≤ 2^20. */
export const PRIORITY_LIMIT = 2 ** 20;

/** How long a claim remembers its token: a claim resent after a reconnect within this window returns the same job. */
export const CLAIM_TOKEN_TTL_MS = 10 * 60_000;

const PRELUDE = `
local P = ARGV[1]
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function K(name) return P .. ':' .. name end
local function jobKey(id) return P .. ':job:' .. id end
local function userKey(user) return P .. ':user:' .. user .. ':running' end
-- integers as plain digits (tostring would print large ones in exponent notation)
local function fmt(n) return string.format('%.0f', n) end

-- takes a job out of the sets of the state it is leaving
local function leave(id, state, user)
  if state == 'queued' then
    redis.call('ZREM', K('queued'), id)
    redis.call('ZREM', K('ready'), id)
    redis.call('ZREM', K('delayed'), id)
  elseif state == 'running' then
    redis.call('ZREM', K('running'), id)
    if user then redis.call('ZREM', userKey(user), id) end
  else
    redis.call('ZREM', K(state), id)
  end
end

-- puts a job in line at its place; it is claimable from runAt on
local function enqueue(id, order, runAt)
  redis.call('ZADD', K('queued'), order, id)
  if runAt <= now then
    redis.call('ZADD', K('ready'), order, id)
  else
    redis.call('ZADD', K('delayed'), fmt(runAt), id)
  end
end

-- frees the idempotency key once the job holding it is no longer active
local function releaseKey(id, key)
  if key and redis.call('GET', K('key:' .. key)) == id then redis.call('DEL', K('key:' .. key)) end
end

local function appendError(errors, code, message, attempt)
  local entry = cjson.encode({ at = now, code = code, message = message, attempt = attempt })
  if errors == '[]' then return '[' .. entry .. ']' end
  return string.sub(errors, 1, -2) .. ',' .. entry .. ']'
end
`;

/** ARGV: prefix, now, id, key ('' = none), priority, userId ('' = none), data JSON, maxAttempts → the job's fields. */
const ADD = `
local id, key, priority, user, data, maxAttempts = ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[8]
local jk = jobKey(id)
-- the id is made by the client: a resent add (after a reconnect) finds its job instead of queueing a twin
if redis.call('EXISTS', jk) == 1 then return redis.call('HGETALL', jk) end
if key ~= '' then
  local holder = redis.call('GET', K('key:' .. key))
  if holder then
    local state = redis.call('HGET', jobKey(holder), 'state')
    if state == 'queued' or state == 'running' then return redis.call('HGETALL', jobKey(holder)) end
  end
end
local order = fmt(-priority * 4294967296 + redis.call('INCR', K('seq')))
redis.call('HSET', jk, 'id', id, 'state', 'queued', 'priority', fmt(priority), 'data', data, 'attempts', '0',
  'maxAttempts', maxAttempts, 'runAt', fmt(now), 'delivered', '0', 'errors', '[]', 'createdAt', fmt(now),
  'updatedAt', fmt(now), 'order', order)
if key ~= '' then
  redis.call('HSET', jk, 'key', key)
  redis.call('SET', K('key:' .. key), id)
end
if user ~= '' then redis.call('HSET', jk, 'userId', user) end
enqueue(id, order, now)
return redis.call('HGETALL', jk)
`;

/**
 * ARGV: prefix, now, workerId, leaseMs, perUserLimit ('' = none), claim token → the claimed
 * job's fields, or nil. Candidates are the ready jobs and the running jobs whose lease ran out,
 * merged in line order; a user at the cap is skipped; an expired job on its last attempt dies.
 */
const CLAIM = `
local worker, leaseMs, limit = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local tokenKey = K('claim:' .. ARGV[6])
local earlier = redis.call('GET', tokenKey)
if earlier then
  local f = redis.call('HMGET', jobKey(earlier), 'state', 'workerId')
  if f[1] == 'running' and f[2] == worker then return redis.call('HGETALL', jobKey(earlier)) end
  return false
end

-- retries whose delay is over join the line at their old place
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K('delayed'), '-inf', fmt(now), 'LIMIT', 0, 1000)) do
  redis.call('ZREM', K('delayed'), id)
  local order = redis.call('HGET', jobKey(id), 'order')
  if order then redis.call('ZADD', K('ready'), order, id) else redis.call('ZREM', K('queued'), id) end
end

-- leases that ran out (strictly before now): their jobs compete at their place in line
local expired = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K('running'), '-inf', '(' .. fmt(now), 'LIMIT', 0, 1000)) do
  local order = tonumber(redis.call('HGET', jobKey(id), 'order'))
  if order then table.insert(expired, { id = id, order = order }) else redis.call('ZREM', K('running'), id) end
end
table.sort(expired, function(a, b) return a.order < b.order end)

-- the ready line is read in growing pages: usually its head is taken, but a capped user may fill it
local ready, r, offset, page, drained = {}, 1, 0, 8, false
local function peekReady()
  if r > #ready and not drained then
    ready, r = redis.call('ZRANGE', K('ready'), offset, offset + page - 1, 'WITHSCORES'), 1
    offset, page = offset + page, math.min(page * 4, 1024)
    drained = #ready == 0
  end
  if r > #ready then return nil end
  return ready[r], tonumber(ready[r + 1])
end

local function hasRoom(user)
  if not limit or not user then return true end
  return redis.call('ZCOUNT', userKey(user), fmt(now), '+inf') < limit
end

local e = 1
while true do
  local id, state
  local readyId, readyOrder = peekReady()
  local x = expired[e]
  if readyId and (not x or readyOrder < x.order) then
    id, state, r = readyId, 'queued', r + 2
  elseif x then
    id, state, e = x.id, 'running', e + 1
  else
    return false
  end
  local jk = jobKey(id)
  local f = redis.call('HMGET', jk, 'userId', 'attempts', 'maxAttempts', 'errors', 'key')
  local user, attempts = f[1], tonumber(f[2])
  if not attempts then
    -- an id whose job hash is gone (deleted by hand): drop it rather than fail every claim
    leave(id, state, nil)
  elseif hasRoom(user) then
    leave(id, state, user)
    if state == 'running' and attempts >= tonumber(f[3]) then
      -- the worker holding it died on its last attempt: that is a failure too
      redis.call('HSET', jk, 'state', 'dead', 'updatedAt', fmt(now),
        'errors', appendError(f[4], 'internal', 'The worker stopped while running the job.', attempts))
      redis.call('HDEL', jk, 'leaseUntil', 'workerId')
      redis.call('ZADD', K('dead'), fmt(now), id)
      releaseKey(id, f[5])
    else
      local leaseUntil = fmt(now + leaseMs)
      redis.call('HSET', jk, 'state', 'running', 'attempts', fmt(attempts + 1), 'workerId', worker,
        'leaseUntil', leaseUntil, 'updatedAt', fmt(now))
      redis.call('ZADD', K('running'), leaseUntil, id)
      if user then redis.call('ZADD', userKey(user), leaseUntil, id) end
      redis.call('SET', tokenKey, id, 'PX', ${CLAIM_TOKEN_TTL_MS})
      return redis.call('HGETALL', jk)
    end
  end
end
`;

/** ARGV: prefix, now, id, workerId, leaseMs, '1' when progress is given, progress JSON → 1 when the lease is still this worker's. */
const HEARTBEAT = `
local id = ARGV[3]
local jk = jobKey(id)
local f = redis.call('HMGET', jk, 'state', 'workerId', 'userId')
if f[1] ~= 'running' or f[2] ~= ARGV[4] then return 0 end
local leaseUntil = fmt(now + tonumber(ARGV[5]))
redis.call('HSET', jk, 'leaseUntil', leaseUntil, 'updatedAt', fmt(now))
if ARGV[6] == '1' then redis.call('HSET', jk, 'progress', ARGV[7]) end
redis.call('ZADD', K('running'), leaseUntil, id)
if f[3] then redis.call('ZADD', userKey(f[3]), leaseUntil, id) end
return 1
`;

/** ARGV: prefix, now, id, workerId, '1' when a result is given, result JSON → 1 when completed. */
const COMPLETE = `
local id = ARGV[3]
local jk = jobKey(id)
local f = redis.call('HMGET', jk, 'state', 'workerId', 'userId', 'key')
if f[1] ~= 'running' or f[2] ~= ARGV[4] then return 0 end
leave(id, 'running', f[3])
redis.call('HSET', jk, 'state', 'done', 'updatedAt', fmt(now))
if ARGV[5] == '1' then redis.call('HSET', jk, 'result', ARGV[6]) else redis.call('HDEL', jk, 'result') end
redis.call('HDEL', jk, 'leaseUntil')
redis.call('ZADD', K('done'), fmt(now), id)
releaseKey(id, f[4])
return 1
`;

/** ARGV: prefix, now, id, workerId, code, message, '1' when final, retryInMs → 'retry' | 'dead' | 'lost'. */
const FAIL = `
local id = ARGV[3]
local jk = jobKey(id)
local f = redis.call('HMGET', jk, 'state', 'workerId', 'userId', 'key', 'attempts', 'maxAttempts', 'errors', 'order')
if f[1] ~= 'running' or f[2] ~= ARGV[4] then return 'lost' end
local attempts = tonumber(f[5])
local runAt = now + tonumber(ARGV[8])
leave(id, 'running', f[3])
redis.call('HSET', jk, 'errors', appendError(f[7], ARGV[5], ARGV[6], attempts), 'runAt', fmt(runAt), 'updatedAt', fmt(now))
redis.call('HDEL', jk, 'leaseUntil', 'workerId')
if ARGV[7] == '1' or attempts >= tonumber(f[6]) then
  redis.call('HSET', jk, 'state', 'dead')
  redis.call('ZADD', K('dead'), fmt(now), id)
  releaseKey(id, f[4])
  return 'dead'
end
redis.call('HSET', jk, 'state', 'queued')
enqueue(id, f[8], runAt)
return 'retry'
`;

/**
 * ARGV: prefix, now, id, call token → 1 when this call marked it. The flag holds the token of
 * the call that set it, so the same call resent after a reconnect still gets its 1.
 */
const MARK_DELIVERED = `
local jk = jobKey(ARGV[3])
local delivered = redis.call('HGET', jk, 'delivered')
if delivered == ARGV[4] then return 1 end
if delivered ~= '0' then return 0 end
redis.call('HSET', jk, 'delivered', ARGV[4], 'updatedAt', fmt(now))
return 1
`;

/** ARGV: prefix, now, id → 1 when a queued or running job was cancelled. */
const CANCEL = `
local id = ARGV[3]
local jk = jobKey(id)
local f = redis.call('HMGET', jk, 'state', 'userId', 'key')
if f[1] ~= 'queued' and f[1] ~= 'running' then return 0 end
leave(id, f[1], f[2])
redis.call('HSET', jk, 'state', 'cancelled', 'updatedAt', fmt(now))
redis.call('HDEL', jk, 'leaseUntil')
redis.call('ZADD', K('cancelled'), fmt(now), id)
releaseKey(id, f[3])
return 1
`;

/** ARGV: prefix, now, id → 1 when a dead job was queued again with a fresh attempt budget. */
const RETRY_DEAD = `
local id = ARGV[3]
local jk = jobKey(id)
local f = redis.call('HMGET', jk, 'state', 'order', 'key')
if f[1] ~= 'dead' then return 0 end
leave(id, 'dead')
redis.call('HSET', jk, 'state', 'queued', 'attempts', '0', 'runAt', fmt(now), 'updatedAt', fmt(now))
enqueue(id, f[2], now)
-- it takes its key back unless a newer job with the same key is active
if f[3] then redis.call('SET', K('key:' .. f[3]), id, 'NX') end
return 1
`;

/** ARGV: prefix, now, batch size → how many dead jobs were deleted (call again while it equals the batch size). */
const PURGE_DEAD = `
local ids = redis.call('ZRANGE', K('dead'), 0, tonumber(ARGV[3]) - 1)
for _, id in ipairs(ids) do
  redis.call('DEL', jobKey(id))
  redis.call('ZREM', K('dead'), id)
end
return #ids
`;

/** The scripts by command name, ready for ioredis `defineCommand` (which falls back to EVAL when a restarted Redis lost its script cache). */
export const QUEUE_SCRIPTS = {
  queueAdd: ADD,
  queueClaim: CLAIM,
  queueHeartbeat: HEARTBEAT,
  queueComplete: COMPLETE,
  queueFail: FAIL,
  queueMarkDelivered: MARK_DELIVERED,
  queueCancel: CANCEL,
  queueRetryDead: RETRY_DEAD,
  queuePurgeDead: PURGE_DEAD,
} as const;

/** The script commands as methods: (prefix, now, ...ARGV[3..]). */
export type QueueScriptCommands = {
  [name in keyof typeof QUEUE_SCRIPTS]: (...args: Array<string | number>) => Promise<unknown>;
};

/** The full source of a script: the shared helpers, then its body. */
export function scriptSource(body: string): string {
  return PRELUDE + body;
}
