/**
 * A limiter whose state lives in Redis, so every bot, worker and API process shares one
 * budget per key. Each call is one atomic Lua script (redis-scripts.ts) that checks and
 * spends in a single step; keys expire by themselves (PEXPIRE) once they are as good as
 * fresh.
 *
 * Why not rate-limiter-flexible's RateLimiterRedis: it counts points in fixed windows (INCRBY
 * + EXPIRE), which lets twice the limit through across a window edge and has no token-bucket
 * refill or leaky-bucket pacing; the scripts here implement the three algorithms exactly.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { checkCall, createAlgorithm, type AlgorithmSpec } from './algorithms.js';
import { LEAKY_BUCKET_LUA, LuaScript, SLIDING_WINDOW_LUA, TOKEN_BUCKET_LUA } from './redis-scripts.js';
import type { ConsumeOptions, RateDecision, ScalableRateLimiter } from './types.js';

const SCRIPTS = {
  'token-bucket': new LuaScript(TOKEN_BUCKET_LUA),
  'sliding-window': new LuaScript(SLIDING_WINDOW_LUA),
  'leaky-bucket': new LuaScript(LEAKY_BUCKET_LUA),
} as const;

/** Where the keys go and which clock decides. */
export interface RedisLimiterOptions {
  /** Prepended to every key; limiters with the same prefix (and spec) share budgets. */
  prefix?: string;
  /** Milliseconds since the epoch; default: Redis' own clock (TIME), shared by all boxes. */
  now?: () => number;
}

/** Token bucket, sliding window or leaky bucket, kept in Redis. */
export class RedisRateLimiter implements ScalableRateLimiter {
  readonly maxCost: number;
  readonly prefix: string;
  private readonly script: LuaScript;
  /** Makes sliding-window members unique across processes. */
  private readonly memberPrefix = randomBytes(6).toString('hex');
  private memberCounter = 0;

  constructor(
    private readonly redis: Redis,
    private readonly spec: AlgorithmSpec,
    private readonly options: RedisLimiterOptions = {},
  ) {
    this.maxCost = createAlgorithm(spec).maxCost;
    this.prefix = options.prefix ?? `dlbot:rl:${spec.algorithm}:`;
    this.script = SCRIPTS[spec.algorithm];
  }

  async consume(key: string, cost = 1, options: ConsumeOptions = {}): Promise<RateDecision> {
    return this.run(key, 'consume', cost, options.rateFactor ?? 1);
  }

  async refund(key: string, cost = 1, options: ConsumeOptions = {}): Promise<void> {
    await this.run(key, 'refund', cost, options.rateFactor ?? 1);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  private async run(key: string, mode: 'consume' | 'refund', cost: number, rateFactor: number): Promise<RateDecision> {
    checkCall(this.maxCost, cost, rateFactor);
    const nowArg = this.options.now ? String(this.options.now()) : '';
    const reply = await this.script.run(this.redis, this.prefix + key, [nowArg, mode, String(cost), ...this.params(rateFactor)]);
    const [allowed, retryAfterMs, remaining, delayMs] = reply as [number, number, number, number];
    return { allowed: allowed === 1, retryAfterMs, remaining, delayMs };
  }

  /** The algorithm's ARGV tail, with the adaptive factor already applied (as algorithms.ts does). */
  private params(rateFactor: number): string[] {
    const spec = this.spec;
    switch (spec.algorithm) {
      case 'token-bucket':
      case 'leaky-bucket':
        return [String(spec.capacity), String((spec.ratePerMinute * rateFactor) / 60_000)];
      case 'sliding-window':
        return [String(spec.limit), String(spec.windowMs / rateFactor), `${this.memberPrefix}.${++this.memberCounter}`];
    }
  }
}
