/**
 * Several limits for one request — per user, per platform, global — checked as one: the
 * request is admitted only when every level admits it, and a level that refuses leaves the
 * others unspent.
 *
 * Levels are tried in order (most specific first, so a user over their limit never touches
 * the shared global budget); each level spends atomically, and when a later level refuses,
 * the levels already spent are refunded. Between that spend and its refund another request
 * may see a budget briefly lower than it is — a refusal on the safe side, never an excess.
 */
import type { CallOutcome } from './adaptive.js';
import type { ConsumeOptions, RateDecision, ScalableRateLimiter } from './types.js';

/** One level: its name (the request field that picks the key) and its limiter. */
export interface LimitLevel {
  /** `global` is one shared key; any other name keys by `request[name]` as `name:value`. */
  name: string;
  limiter: ScalableRateLimiter & { onResult?(key: string, outcome: CallOutcome): unknown };
}

/** Who is asking: a value per level name, e.g. `{ user: '42', platform: 'tiktok' }`. A level with no value is skipped. */
export type LimitRequest = Readonly<Record<string, string | number | undefined>>;

/** The combined answer, with each level's own answer. */
export interface MultiLevelDecision extends RateDecision {
  /** The level that refused, when one did. */
  deniedBy?: string;
  /** Each level tried, by name. */
  levels: Record<string, RateDecision>;
}

/** Checks a request against every level and spends only when all admit it. */
export class MultiLevelLimiter {
  constructor(private readonly levels: readonly LimitLevel[]) {
    const names = new Set(levels.map((l) => l.name));
    if (names.size !== levels.length) throw new RangeError('MultiLevelLimiter: level names must be unique');
  }

  /** The key a level uses for this request, or undefined when the request does not name it. */
  keyFor(level: string, request: LimitRequest): string | undefined {
    if (level === 'global') return 'global';
    const value = request[level];
    return value === undefined ? undefined : `${level}:${value}`;
  }

  async consume(request: LimitRequest, cost = 1, options: ConsumeOptions = {}): Promise<MultiLevelDecision> {
    const levels: Record<string, RateDecision> = {};
    const spent: Array<{ level: LimitLevel; key: string }> = [];
    let remaining = Number.POSITIVE_INFINITY;
    let delayMs = 0;
    for (const level of this.levels) {
      const key = this.keyFor(level.name, request);
      if (key === undefined) continue;
      const decision = await level.limiter.consume(key, cost, options);
      levels[level.name] = decision;
      if (!decision.allowed) {
        await Promise.all(spent.map((s) => s.level.limiter.refund(s.key, cost, options)));
        return { allowed: false, retryAfterMs: decision.retryAfterMs, remaining: decision.remaining, delayMs: 0, deniedBy: level.name, levels };
      }
      spent.push({ level, key });
      remaining = Math.min(remaining, decision.remaining);
      delayMs = Math.max(delayMs, decision.delayMs ?? 0);
    }
    return { allowed: true, retryAfterMs: 0, remaining: Number.isFinite(remaining) ? remaining : 0, delayMs, levels };
  }

  /** Forwards a call's outcome to every adaptive level (typically the platform level). */
  onResult(request: LimitRequest, outcome: CallOutcome): void {
    for (const level of this.levels) {
      const key = this.keyFor(level.name, request);
      if (key !== undefined) level.limiter.onResult?.(key, outcome);
    }
  }

  /** Forgets the request's keys on every level (note: `global` too when it is a level). */
  async reset(request: LimitRequest): Promise<void> {
    await Promise.all(
      this.levels.map((level) => {
        const key = this.keyFor(level.name, request);
        return key === undefined ? undefined : level.limiter.reset(key);
      }),
    );
  }
}
