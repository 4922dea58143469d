/**
 * The contracts every limiter in src/utils/rate-limiter/ shares, kept apart from the
 * implementations so each backend (memory, Redis) and each wrapper (adaptive, multi-level)
 * depends on the shape only.
 */

/** The answer of a limiter. */
export interface RateDecision {
  allowed: boolean;
  /** When not allowed: how long until the cost would fit. */
  retryAfterMs: number;
  /** Units left right now (after this call when allowed). */
  remaining: number;
  /**
   * When allowed by a queueing algorithm (leaky bucket): how long the caller should wait
   * before doing the work, so admitted requests leave at the configured rate. 0 or absent
   * means "go now".
   */
  delayMs?: number;
}

/** May `key` spend `cost` now, and if not, when. */
export interface RateLimiter {
  consume(key: string, cost?: number): Promise<RateDecision>;
  /** Forgets a key (an admin reset, or tests). */
  reset(key: string): Promise<void>;
}

/** The algorithms a limiter can run. */
export type RateAlgorithm = 'token-bucket' | 'sliding-window' | 'leaky-bucket';

/** Per-call knobs of the built-in limiters. */
export interface ConsumeOptions {
  /**
   * Multiplies the configured rate for this call (0 < factor ≤ 1): adaptive throttling passes
   * the platform's current factor here. Burst size stays; only the refill/leak/window pace
   * changes.
   */
  rateFactor?: number;
}

/**
 * A limiter that can give units back and run at a reduced rate: what the built-in memory and
 * Redis limiters are, and what MultiLevelLimiter and AdaptiveLimiter build on.
 */
export interface ScalableRateLimiter extends RateLimiter {
  consume(key: string, cost?: number, options?: ConsumeOptions): Promise<RateDecision>;
  /**
   * Gives back `cost` units spent earlier for `key` (a request that another level refused).
   * Best effort: units that have meanwhile refilled or expired are not given twice.
   */
  refund(key: string, cost?: number, options?: ConsumeOptions): Promise<void>;
  /** The largest cost one call can ever be admitted with (capacity or window limit). */
  readonly maxCost: number;
}
