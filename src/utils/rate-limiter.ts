/**
 * Rate limiting. Every limiter answers one question — may `key` spend `cost` now, and if not,
 * when — so callers (the bot per user, the API per key, extractors per platform) do not care
 * which algorithm or which store is behind it.
 *
 * The pieces live in src/utils/rate-limiter/: the algorithms as pure transitions
 * (algorithms.ts), a memory backend and a Redis backend running them (memory.ts, redis.ts +
 * redis-scripts.ts), adaptive throttling after 429/5xx (adaptive.ts) and per-user /
 * per-platform / global limits checked as one (multi-level.ts). This file is the entry point.
 */
import type { Redis } from 'ioredis';
import type { AlgorithmSpec } from './rate-limiter/algorithms.js';
import { AdaptiveLimiter, AdaptiveThrottle, type AdaptiveThrottleOptions } from './rate-limiter/adaptive.js';
import { MemoryRateLimiter } from './rate-limiter/memory.js';
import { MultiLevelLimiter } from './rate-limiter/multi-level.js';
import { RedisRateLimiter } from './rate-limiter/redis.js';
import type { ScalableRateLimiter } from './rate-limiter/types.js';

export type { ConsumeOptions, RateAlgorithm, RateDecision, RateLimiter, ScalableRateLimiter } from './rate-limiter/types.js';
export type { AlgorithmSpec } from './rate-limiter/algorithms.js';
export { MemoryRateLimiter, type MemoryLimiterOptions } from './rate-limiter/memory.js';
export { RedisRateLimiter, type RedisLimiterOptions } from './rate-limiter/redis.js';
export { AdaptiveLimiter, AdaptiveThrottle, type AdaptiveThrottleOptions, type CallOutcome } from './rate-limiter/adaptive.js';
export { MultiLevelLimiter, type LimitLevel, type LimitRequest, type MultiLevelDecision } from './rate-limiter/multi-level.js';

/** Token bucket in memory: `capacity` tokens, refilled at `ratePerMinute`. */
export class MemoryTokenBucket extends MemoryRateLimiter {
  constructor(options: { capacity: number; ratePerMinute: number; now?: () => number; sweepIntervalMs?: number }) {
    super({ algorithm: 'token-bucket', capacity: options.capacity, ratePerMinute: options.ratePerMinute }, options);
  }
}

/** What createRateLimiter needs: the algorithm with its parameters, and where to keep state. */
export type RateLimiterOptions = AlgorithmSpec & {
  /** A connected ioredis client (when REDIS_URL is set): state is shared by every process. */
  redis?: Redis;
  /** Redis key prefix; limiters with one prefix share budgets (default `dlbot:rl:<algorithm>:`). */
  prefix?: string;
  /** Milliseconds since the epoch; tests inject a fake clock (Redis default: the server's clock). */
  now?: () => number;
  /** Memory backend: how often at most idle keys are swept (default one minute). */
  sweepIntervalMs?: number;
};

/**
 * Builds a limiter: in memory by default, in Redis when a client is given.
 *
 * @example createRateLimiter({ algorithm: 'sliding-window', limit: 60, windowMs: 60_000, redis })
 */
export function createRateLimiter(options: RateLimiterOptions): ScalableRateLimiter {
  const { redis, prefix, now, sweepIntervalMs, ...rest } = options;
  const spec = rest as AlgorithmSpec;
  if (redis) return new RedisRateLimiter(redis, spec, { prefix, now });
  return new MemoryRateLimiter(spec, { now, sweepIntervalMs });
}

/** The request limits of the bot and the API, in requests per minute. */
export interface RequestLimitsOptions {
  /** Per user (RATE_LIMIT_REQUESTS_PER_MINUTE); bursts up to this many at once. */
  userPerMinute: number;
  /** Per platform, across all users (default 10 × userPerMinute); slowed down on 429/5xx. */
  platformPerMinute?: number;
  /** Everything together (default 20 × userPerMinute). */
  globalPerMinute?: number;
  adaptive?: AdaptiveThrottleOptions;
  redis?: Redis;
  /** Redis key prefix (default `dlbot:rl:req:`). */
  prefix?: string;
  now?: () => number;
}

/**
 * The standard three levels for download requests: `user` (token bucket), `platform`
 * (adaptive token bucket) and `global` (sliding window). Consume with
 * `{ user: userId, platform: name }`; report platform answers with `onResult`.
 */
export function createRequestLimiter(options: RequestLimitsOptions): MultiLevelLimiter {
  const prefix = options.prefix ?? 'dlbot:rl:req:';
  const base = { redis: options.redis, now: options.now };
  const platformPerMinute = options.platformPerMinute ?? options.userPerMinute * 10;
  const globalPerMinute = options.globalPerMinute ?? options.userPerMinute * 20;
  return new MultiLevelLimiter([
    {
      name: 'user',
      limiter: createRateLimiter({ ...base, algorithm: 'token-bucket', capacity: options.userPerMinute, ratePerMinute: options.userPerMinute, prefix: `${prefix}tb:` }),
    },
    {
      name: 'platform',
      limiter: new AdaptiveLimiter(
        createRateLimiter({ ...base, algorithm: 'token-bucket', capacity: platformPerMinute, ratePerMinute: platformPerMinute, prefix: `${prefix}tb:` }),
        new AdaptiveThrottle({ ...options.adaptive, now: options.adaptive?.now ?? options.now }),
      ),
    },
    {
      name: 'global',
      limiter: createRateLimiter({ ...base, algorithm: 'sliding-window', limit: globalPerMinute, windowMs: 60_000, prefix: `${prefix}sw:` }),
    },
  ]);
}
