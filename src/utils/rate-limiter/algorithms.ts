/**
 * The three limiting algorithms as pure state transitions: (stored state, cost, now) → (new
 * state, decision). The memory limiter applies them to a Map; the Redis Lua scripts in
 * redis-scripts.ts are line-for-line translations, so both backends admit exactly the same
 * requests (the shared test table runs against both).
 *
 * - token bucket: `capacity` tokens, refilled continuously at `ratePerMinute`; allows bursts
 *   up to capacity, then the refill pace.
 * - sliding window (log): at most `limit` units in any `windowMs`-long span; exact, and its
 *   memory is bounded because at most `limit` entries can be alive per key.
 * - leaky bucket (as a queue): admitted units join a queue of `capacity` that drains at
 *   `ratePerMinute`; each admission says how long to wait (`delayMs`) so work leaves evenly
 *   spaced instead of in bursts.
 */
import type { RateAlgorithm, RateDecision } from './types.js';

/** Parameters of one limiter, by algorithm. */
export type AlgorithmSpec =
  | { algorithm: 'token-bucket'; capacity: number; ratePerMinute: number }
  | { algorithm: 'sliding-window'; limit: number; windowMs: number }
  | { algorithm: 'leaky-bucket'; capacity: number; ratePerMinute: number };

/** Whether a step spends units or gives them back. */
export type StepMode = 'consume' | 'refund';

/** The outcome of one transition. */
export interface Step<S> {
  /** State to keep; `undefined` means the key is as good as fresh and can be dropped. */
  state: S | undefined;
  /** False when nothing changed (a refused request), so a store can skip the write. */
  changed: boolean;
  decision: RateDecision;
  /** From this instant on the kept state equals a fresh one, so idle cleanup may drop it. */
  idleAtMs: number;
}

/** One algorithm: its largest admissible cost and its transition function. */
export interface Algorithm<S> {
  readonly name: RateAlgorithm;
  readonly maxCost: number;
  step(state: S | undefined, mode: StepMode, cost: number, nowMs: number, rateFactor: number): Step<S>;
}

/**
 * Tolerance for float sums (fractions of a token refilled over many calls): a bucket that
 * holds 0.9999999999 tokens after exact-looking refills must still admit a cost of 1.
 */
export const EPSILON = 1e-9;

/** Rounds a duration up to whole milliseconds, ignoring float noise below a nanosecond. */
export function ceilMs(ms: number): number {
  return Math.max(0, Math.ceil(ms - 1e-6));
}

/** Token bucket state: tokens left at `atMs`. */
export interface TokenBucketState {
  tokens: number;
  atMs: number;
}

/** Sliding window state: admitted costs with their time, oldest first. */
export interface SlidingWindowState {
  entries: Array<{ atMs: number; cost: number }>;
}

/** Leaky bucket state: queued units at `atMs`. */
export interface LeakyBucketState {
  level: number;
  atMs: number;
}

function tokenBucket(capacity: number, ratePerMinute: number): Algorithm<TokenBucketState> {
  return {
    name: 'token-bucket',
    maxCost: capacity,
    step(state, mode, cost, nowMs, rateFactor) {
      const perMs = (ratePerMinute * rateFactor) / 60_000;
      let tokens = capacity;
      let atMs = nowMs;
      if (state) {
        ({ tokens, atMs } = state);
        // a clock that steps back (another box's clock) must not mint tokens
        if (nowMs > atMs) {
          tokens = Math.min(capacity, tokens + (nowMs - atMs) * perMs);
          atMs = nowMs;
        }
      }
      let allowed = true;
      let retryAfterMs = 0;
      if (mode === 'refund') tokens = Math.min(capacity, tokens + cost);
      else if (tokens + EPSILON >= cost) tokens = Math.max(0, tokens - cost);
      else {
        allowed = false;
        retryAfterMs = Math.max(1, ceilMs((cost - tokens) / perMs));
      }
      const idleAtMs = atMs + (capacity - tokens) / perMs;
      return {
        state: tokens >= capacity ? undefined : { tokens, atMs },
        changed: allowed,
        decision: { allowed, retryAfterMs, remaining: Math.floor(tokens + EPSILON), delayMs: 0 },
        idleAtMs,
      };
    },
  };
}

function slidingWindow(limit: number, windowMs: number): Algorithm<SlidingWindowState> {
  return {
    name: 'sliding-window',
    maxCost: limit,
    step(state, mode, cost, nowMs, rateFactor) {
      // a slower rate is a longer window: the burst stays `limit`, the pace drops
      const effectiveWindowMs = windowMs / rateFactor;
      const entries = (state?.entries ?? []).filter((e) => e.atMs > nowMs - effectiveWindowMs);
      let used = entries.reduce((sum, e) => sum + e.cost, 0);
      let allowed = true;
      let retryAfterMs = 0;
      if (mode === 'refund') {
        const i = entries.findLastIndex((e) => e.cost === cost);
        if (i >= 0) {
          entries.splice(i, 1);
          used -= cost;
        }
      } else if (used + cost <= limit + EPSILON) {
        // kept sorted by time even if a clock stepped back, like the Redis sorted set
        const at = entries.findLastIndex((e) => e.atMs <= nowMs) + 1;
        entries.splice(at, 0, { atMs: nowMs, cost });
        used += cost;
      } else {
        allowed = false;
        retryAfterMs = retryAfterFreeing(entries, used + cost - limit, effectiveWindowMs, nowMs);
      }
      const newest = entries.at(-1);
      return {
        state: newest ? { entries } : undefined,
        // even a refusal prunes expired entries, exactly as the Redis script does
        changed: true,
        decision: { allowed, retryAfterMs, remaining: Math.max(0, Math.floor(limit - used + EPSILON)), delayMs: 0 },
        idleAtMs: newest ? newest.atMs + effectiveWindowMs : nowMs,
      };
    },
  };
}

/** How long until the oldest entries that add up to `excess` units have left the window. */
function retryAfterFreeing(entries: SlidingWindowState['entries'], excess: number, windowMs: number, nowMs: number): number {
  let freed = 0;
  for (const e of entries) {
    freed += e.cost;
    if (freed + EPSILON >= excess) return Math.max(1, ceilMs(e.atMs + windowMs - nowMs));
  }
  return 1;
}

function leakyBucket(capacity: number, ratePerMinute: number): Algorithm<LeakyBucketState> {
  return {
    name: 'leaky-bucket',
    maxCost: capacity,
    step(state, mode, cost, nowMs, rateFactor) {
      const perMs = (ratePerMinute * rateFactor) / 60_000;
      let level = 0;
      let atMs = nowMs;
      if (state) {
        ({ level, atMs } = state);
        if (nowMs > atMs) {
          level = Math.max(0, level - (nowMs - atMs) * perMs);
          atMs = nowMs;
        }
      }
      let allowed = true;
      let retryAfterMs = 0;
      let delayMs = 0;
      if (mode === 'refund') level = Math.max(0, level - cost);
      else if (level + cost <= capacity + EPSILON) {
        // this request leaves once everything queued ahead of it has drained
        delayMs = ceilMs(level / perMs);
        level += cost;
      } else {
        allowed = false;
        retryAfterMs = Math.max(1, ceilMs((level + cost - capacity) / perMs));
      }
      return {
        state: level > 0 ? { level, atMs } : undefined,
        changed: allowed,
        decision: { allowed, retryAfterMs, remaining: Math.max(0, Math.floor(capacity - level + EPSILON)), delayMs },
        idleAtMs: atMs + level / perMs,
      };
    },
  };
}

/** Checks a spec and builds its algorithm; a bad value throws a RangeError naming it. */
export function createAlgorithm(spec: AlgorithmSpec): Algorithm<unknown> {
  switch (spec.algorithm) {
    case 'token-bucket':
      positive('capacity', spec.capacity);
      positive('ratePerMinute', spec.ratePerMinute);
      return tokenBucket(spec.capacity, spec.ratePerMinute) as Algorithm<unknown>;
    case 'sliding-window':
      positive('limit', spec.limit);
      positive('windowMs', spec.windowMs);
      return slidingWindow(spec.limit, spec.windowMs) as Algorithm<unknown>;
    case 'leaky-bucket':
      positive('capacity', spec.capacity);
      positive('ratePerMinute', spec.ratePerMinute);
      return leakyBucket(spec.capacity, spec.ratePerMinute) as Algorithm<unknown>;
    default:
      throw new RangeError(`unknown rate limit algorithm ${JSON.stringify((spec as { algorithm: unknown }).algorithm)}; use token-bucket, sliding-window or leaky-bucket`);
  }
}

/**
 * Rejects a cost no call could ever be admitted with (it would be refused forever) and a
 * rate factor outside (0, 1]; both are caller bugs, not load.
 */
export function checkCall(maxCost: number, cost: number, rateFactor: number): void {
  if (!(cost > 0) || !Number.isFinite(cost)) throw new RangeError(`rate limit cost must be a positive number, got ${cost}`);
  if (cost > maxCost) throw new RangeError(`rate limit cost ${cost} exceeds the limiter's capacity ${maxCost}; it could never be admitted`);
  if (!(rateFactor > 0 && rateFactor <= 1)) throw new RangeError(`rateFactor must be in (0, 1], got ${rateFactor}`);
}

function positive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`rate limiter ${name} must be a positive number, got ${value}`);
}
