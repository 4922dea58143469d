/**
 * The retry manager: how long to wait before the next attempt, and whether to try at all.
 * Strategies are pure delay functions (exponential, linear, adaptive) with full jitter; the
 * decision comes from the error (DownloadError.retriable, HTTP 429 with Retry-After). The
 * seed's CustomRetryStrategy is the `RetryStrategy` interface: any object with `delayMs`.
 */
import { DownloadError, toDownloadError } from './errors.js';

/** A strategy says how long to wait before attempt `attempt + 1` (attempt counts from 1). */
export interface RetryStrategy {
  readonly name: string;
  delayMs(attempt: number, context: { errorRate?: number }): number;
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Full jitter: a uniform random delay in [0, computed]; off for deterministic tests. */
  jitter?: boolean;
  random?: () => number;
}

const jittered = (ms: number, o: BackoffOptions) => Math.round(o.jitter === false ? ms : ms * (o.random ?? Math.random)());

/** base × 2^(attempt-1), capped. */
export function exponential(o: BackoffOptions = {}): RetryStrategy {
  const base = o.baseMs ?? 1000;
  const max = o.maxMs ?? 60_000;
  return { name: 'exponential', delayMs: (attempt) => jittered(Math.min(max, base * 2 ** (attempt - 1)), o) };
}

/** base × attempt, capped. */
export function linear(o: BackoffOptions = {}): RetryStrategy {
  const base = o.baseMs ?? 1000;
  const max = o.maxMs ?? 60_000;
  return { name: 'linear', delayMs: (attempt) => jittered(Math.min(max, base * attempt), o) };
}

/**
 * Exponential, stretched by the platform's recent error rate: at 0 % errors it is plain
 * exponential, at 50 % it waits 2×, at 100 % 3× — a failing platform gets room to recover.
 */
export function adaptive(o: BackoffOptions = {}): RetryStrategy {
  const base = exponential({ ...o, jitter: false });
  const max = o.maxMs ?? 60_000;
  return {
    name: 'adaptive',
    delayMs: (attempt, { errorRate = 0 }) => jittered(Math.min(max, base.delayMs(attempt, {}) * (1 + 2 * Math.min(1, Math.max(0, errorRate)))), o),
  };
}

/** What to do after a failure. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/** Per-operation counts, exported to monitoring. */
export interface RetryStats {
  attempts: number;
  successes: number;
  failures: number;
  retries: number;
}

export interface RetryPolicyOptions {
  maxAttempts: number;
  strategy?: RetryStrategy;
  /** Recent error rate of the operation's platform, for adaptive strategies. */
  errorRate?: () => number;
}

/** Decides retries for one kind of operation and keeps its statistics. */
export class RetryPolicy {
  readonly stats: RetryStats = { attempts: 0, successes: 0, failures: 0, retries: 0 };
  private readonly strategy: RetryStrategy;

  constructor(private readonly options: RetryPolicyOptions) {
    this.strategy = options.strategy ?? exponential();
  }

  /**
   * After attempt `attempt` failed with `error`: retry (and when) or give up. A 429 waits at
   * least what the platform asked for in Retry-After.
   */
  decide(error: unknown, attempt: number): RetryDecision {
    const e = toDownloadError(error);
    if (e.context.aborted) return { retry: false, reason: 'cancelled' };
    if (!e.retriable) return { retry: false, reason: `${e.code} is not retriable` };
    if (attempt >= this.options.maxAttempts) return { retry: false, reason: `gave up after ${attempt} attempts` };
    const computed = this.strategy.delayMs(attempt, { errorRate: this.options.errorRate?.() ?? 0 });
    const asked = e.code === 'fetch.rate_limited' && e.context.retryAfterSec !== undefined ? e.context.retryAfterSec * 1000 : 0;
    return { retry: true, delayMs: Math.max(computed, asked) };
  }

  /** Runs `fn` until it succeeds or the policy gives up; waits with `sleep` (injectable for tests). */
  async run<T>(fn: (attempt: number) => Promise<T>, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.stats.attempts++;
      try {
        const value = await fn(attempt);
        this.stats.successes++;
        return value;
      } catch (error) {
        const decision = this.decide(error, attempt);
        if (!decision.retry) {
          this.stats.failures++;
          throw error instanceof DownloadError ? error : toDownloadError(error);
        }
        this.stats.retries++;
        await sleep(decision.delayMs);
      }
    }
  }
}
