/**
 * Adaptive throttling: when a platform answers 429 or 5xx we slow down on our side before it
 * bans us. AIMD, as TCP does it: a bad answer multiplies the key's rate factor down (at most
 * once per cooldown, so a burst of 429s from requests already in flight counts as one
 * signal); time adds it back linearly until the full rate is restored.
 *
 * The factor is per process: each process learns from the answers it sees, which is enough
 * to back off quickly, and keeps the state out of the hot Redis path.
 */
import type { ConsumeOptions, RateDecision, ScalableRateLimiter } from './types.js';

/** What a platform call ended with, as far as throttling cares. */
export type CallOutcome = 'ok' | 'rate_limited' | 'server_error';

/** Tuning of the decrease and the restore. */
export interface AdaptiveThrottleOptions {
  /** Factor multiplier after a 429 (default 0.5). */
  rateLimitedMultiplier?: number;
  /** Factor multiplier after a 5xx (default 0.75): an overloaded server, a weaker signal than 429. */
  serverErrorMultiplier?: number;
  /** The factor never drops below this (default 0.1), so a platform is never starved entirely. */
  minFactor?: number;
  /** Additive restore in factor units per minute (default 0.1: from 0.5 back to 1 in 5 minutes). */
  restorePerMinute?: number;
  /** Bad answers closer together than this count once (default 1 s). */
  cooldownMs?: number;
  /** Milliseconds since the epoch; tests inject a fake clock. */
  now?: () => number;
}

interface KeyState {
  factor: number;
  atMs: number;
  lastDecreaseMs: number;
}

/** Per-key rate factors in (0, 1], lowered by bad answers and restored over time. */
export class AdaptiveThrottle {
  private readonly keys = new Map<string, KeyState>();
  private readonly now: () => number;
  private readonly options: Required<Omit<AdaptiveThrottleOptions, 'now'>>;
  private lastSweepMs: number;

  constructor(options: AdaptiveThrottleOptions = {}) {
    this.now = options.now ?? Date.now;
    this.options = {
      rateLimitedMultiplier: options.rateLimitedMultiplier ?? 0.5,
      serverErrorMultiplier: options.serverErrorMultiplier ?? 0.75,
      minFactor: options.minFactor ?? 0.1,
      restorePerMinute: options.restorePerMinute ?? 0.1,
      cooldownMs: options.cooldownMs ?? 1000,
    };
    this.lastSweepMs = this.now();
  }

  /** Keys currently running below full rate. */
  get size(): number {
    return this.keys.size;
  }

  /** The key's current factor: 1 = full rate. */
  factor(key: string): number {
    const state = this.keys.get(key);
    if (!state) return 1;
    const factor = this.restored(state, this.now());
    if (factor >= 1) this.keys.delete(key);
    return factor;
  }

  /** Records how a call for `key` ended; returns the factor now in force. */
  onResult(key: string, outcome: CallOutcome): number {
    const nowMs = this.now();
    if (nowMs - this.lastSweepMs >= 60_000) this.sweep(nowMs);
    if (outcome === 'ok') return this.factor(key);
    const state = this.keys.get(key);
    const current = state ? this.restored(state, nowMs) : 1;
    if (state && nowMs - state.lastDecreaseMs < this.options.cooldownMs) return current;
    const multiplier = outcome === 'rate_limited' ? this.options.rateLimitedMultiplier : this.options.serverErrorMultiplier;
    const factor = Math.max(this.options.minFactor, current * multiplier);
    this.keys.set(key, { factor, atMs: nowMs, lastDecreaseMs: nowMs });
    return factor;
  }

  /** Forgets every key back at full rate. */
  private sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const [key, state] of this.keys) if (this.restored(state, nowMs) >= 1) this.keys.delete(key);
  }

  private restored(state: KeyState, nowMs: number): number {
    const elapsedMinutes = Math.max(0, nowMs - state.atMs) / 60_000;
    return Math.min(1, state.factor + elapsedMinutes * this.options.restorePerMinute);
  }
}

/** A limiter whose rate per key follows an AdaptiveThrottle. */
export class AdaptiveLimiter implements ScalableRateLimiter {
  constructor(
    private readonly inner: ScalableRateLimiter,
    readonly throttle: AdaptiveThrottle = new AdaptiveThrottle(),
  ) {}

  get maxCost(): number {
    return this.inner.maxCost;
  }

  async consume(key: string, cost = 1, options: ConsumeOptions = {}): Promise<RateDecision> {
    return this.inner.consume(key, cost, this.scaled(key, options));
  }

  async refund(key: string, cost = 1, options: ConsumeOptions = {}): Promise<void> {
    return this.inner.refund(key, cost, this.scaled(key, options));
  }

  async reset(key: string): Promise<void> {
    return this.inner.reset(key);
  }

  /** Feeds a call's outcome back (429 → `rate_limited`, 5xx → `server_error`); returns the new factor. */
  onResult(key: string, outcome: CallOutcome): number {
    return this.throttle.onResult(key, outcome);
  }

  /** The key's current rate factor (1 = full rate). */
  factor(key: string): number {
    return this.throttle.factor(key);
  }

  private scaled(key: string, options: ConsumeOptions): ConsumeOptions {
    return { rateFactor: Math.min(options.rateFactor ?? 1, this.throttle.factor(key)) };
  }
}
