/**
 * Rate limiting. Every limiter answers one question — may `key` spend `cost` now, and if not,
 * when — so callers (the bot per user, the API per key, extractors per platform) do not care
 * which algorithm or which store is behind it.
 */

/** The answer of a limiter. */
export interface RateDecision {
  allowed: boolean;
  /** When not allowed: how long until the cost would fit. */
  retryAfterMs: number;
  /** Units left right now (after this call when allowed). */
  remaining: number;
}

export interface RateLimiter {
  consume(key: string, cost?: number): Promise<RateDecision>;
  /** Forgets a key (an admin reset, or tests). */
  reset(key: string): Promise<void>;
}

/** Token bucket in memory: `capacity` tokens, refilled at `ratePerMinute`. */
export class MemoryTokenBucket implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: { capacity: number; ratePerMinute: number; now?: () => number },
  ) {}

  async consume(key: string, cost = 1): Promise<RateDecision> {
    const now = (this.options.now ?? Date.now)();
    const perMs = this.options.ratePerMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.options.capacity, at: now };
    b.tokens = Math.min(this.options.capacity, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return { allowed: true, retryAfterMs: 0, remaining: Math.floor(b.tokens) };
    }
    return { allowed: false, retryAfterMs: Math.ceil((cost - b.tokens) / perMs), remaining: Math.floor(b.tokens) };
  }

  async reset(key: string): Promise<void> {
    this.buckets.delete(key);
  }
}
