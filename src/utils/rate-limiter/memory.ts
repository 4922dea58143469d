/**
 * A limiter whose state lives in this process: one Map entry per active key. Idle keys are
 * swept lazily — at most once per `sweepIntervalMs`, on the next call — and a key is only
 * dropped once its state equals a fresh one (bucket full again, window empty), so cleanup
 * never changes an answer; it only keeps a long-running bot's memory flat.
 */
import { checkCall, createAlgorithm, type Algorithm, type AlgorithmSpec } from './algorithms.js';
import type { ConsumeOptions, RateDecision, ScalableRateLimiter } from './types.js';

/** Clock and housekeeping knobs of the memory limiter. */
export interface MemoryLimiterOptions {
  /** Milliseconds since the epoch; tests inject a fake clock. */
  now?: () => number;
  /** How often at most to look for idle keys (default one minute). */
  sweepIntervalMs?: number;
}

interface Entry {
  state: unknown;
  idleAtMs: number;
}

/** Token bucket, sliding window or leaky bucket, kept in memory. */
export class MemoryRateLimiter implements ScalableRateLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly algorithm: Algorithm<unknown>;
  private readonly now: () => number;
  private readonly sweepIntervalMs: number;
  private lastSweepMs: number;

  constructor(spec: AlgorithmSpec, options: MemoryLimiterOptions = {}) {
    this.algorithm = createAlgorithm(spec);
    this.now = options.now ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.lastSweepMs = this.now();
  }

  get maxCost(): number {
    return this.algorithm.maxCost;
  }

  /** Number of keys currently holding state. */
  get size(): number {
    return this.entries.size;
  }

  async consume(key: string, cost = 1, options: ConsumeOptions = {}): Promise<RateDecision> {
    return this.apply(key, 'consume', cost, options.rateFactor ?? 1);
  }

  async refund(key: string, cost = 1, options: ConsumeOptions = {}): Promise<void> {
    this.apply(key, 'refund', cost, options.rateFactor ?? 1);
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Drops every key whose state has become indistinguishable from a fresh one; returns how many. */
  sweep(): number {
    const nowMs = this.now();
    this.lastSweepMs = nowMs;
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.idleAtMs <= nowMs) {
        this.entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  private apply(key: string, mode: 'consume' | 'refund', cost: number, rateFactor: number): RateDecision {
    checkCall(this.maxCost, cost, rateFactor);
    const nowMs = this.now();
    if (nowMs - this.lastSweepMs >= this.sweepIntervalMs) this.sweep();
    const step = this.algorithm.step(this.entries.get(key)?.state, mode, cost, nowMs, rateFactor);
    if (step.changed) {
      if (step.state === undefined) this.entries.delete(key);
      else this.entries.set(key, { state: step.state, idleAtMs: step.idleAtMs });
    }
    return step.decision;
  }
}
